import { describe, expect, it } from "vitest";
import {
  type FileTemplate,
  listFileTemplates,
  loadFileTemplate,
} from "../../../activities/email/file-templates.ts";
import {
  compileTemplate,
  type RenderedEmail,
  validateMjml,
} from "../../../activities/email/template-compiler.ts";

const BUILT_IN_KEYS = [
  "cart-recovery-incentive",
  "cart-recovery-reminder",
  "nurture-lead",
  "nurture-mql",
  "nurture-mql-tutorials",
  "nurture-opportunity",
  "nurture-opportunity-demo",
  "post-purchase-cross-sell",
  "post-purchase-delivery-check",
  "post-purchase-review-request",
  "post-purchase-thanks",
  "re-engagement-last-call",
  "re-engagement-offer",
  "re-engagement-winback",
  "welcome",
  "welcome-toolkit",
  "welcome-top-reads",
];

const templates = await listFileTemplates();
function reminder(): FileTemplate {
  const found = templates.find((template) => template.key === "cart-recovery-reminder");
  if (!found) throw new Error("cart-recovery-reminder missing");
  return found;
}

/**
 * Everything wrong with a template rendered with its own sample data: MJML or tag errors, a field the
 * template prints but the sample lacks (strict rendering), tags left over, a missing postal address,
 * unsubscribe link or readable text part. Empty for a template that is fit to ship.
 */
async function problems(template: FileTemplate): Promise<string[]> {
  const validation = await validateMjml(template.mjml, template.filePath);
  if (!validation.ok) return validation.errors.map((error) => `line ${error.line}: ${error.message}`);
  let email: RenderedEmail;
  try {
    email = (await compileTemplate(template, { strict: true })).render(template.sampleData);
  } catch (error) {
    return [(error as Error).message.split("\n")[0] ?? "render failed"];
  }
  const { sender, unsubscribeUrl } = template.sampleData;
  const found: string[] = [];
  if (email.subject.length < 5) found.push("subject too short");
  for (const [part, body] of Object.entries(email))
    if (body.includes("{{")) found.push(`tags left in ${part}`);
  if (!email.html.includes("<!doctype html>")) found.push("not an HTML document");
  if (!email.html.includes(sender.postalAddress) || !email.text.includes(sender.postalAddress))
    found.push("postal address missing");
  if (/<\/?[a-z]+[ >]/i.test(email.text)) found.push("markup in the text part");
  if (email.text.length < 200) found.push("text part too short to read");
  const linksUnsubscribe = email.html.includes(`href="${unsubscribeUrl.replaceAll("=", "&#x3D;")}"`);
  const textUnsubscribe = email.text.includes(`Unsubscribe [${unsubscribeUrl}]`);
  if (template.category === "marketing" && !(linksUnsubscribe && textUnsubscribe))
    found.push("marketing email without its unsubscribe link");
  if (template.category === "transactional" && email.html.includes(unsubscribeUrl))
    found.push("transactional email offering to unsubscribe");
  return found;
}

describe("built-in file templates", () => {
  it("lists every built-in template, and nothing from _layouts or _partials", () => {
    expect(templates.map((template) => template.key)).toEqual(BUILT_IN_KEYS);
    expect(templates.every((template) => template.version === 0)).toBe(true);
  });

  it("marks only the order confirmation and the delivery check as transactional", () => {
    const transactional = templates.filter((template) => template.category === "transactional");
    expect(transactional.map((template) => template.key)).toEqual([
      "post-purchase-delivery-check",
      "post-purchase-thanks",
    ]);
  });

  it.each(templates.map((template) => [template.key, template] as const))(
    "%s renders its sample data with every field filled in",
    async (_, template) => {
      expect(await problems(template)).toEqual([]);
    },
  );

  describe("the check fails on a broken template", () => {
    const reminder = templates.find((template) => template.key === "cart-recovery-reminder");
    if (!reminder) throw new Error("cart-recovery-reminder missing");
    const broken = (change: Partial<FileTemplate>): FileTemplate => ({ ...reminder, ...change });

    it.each([
      [
        "a misspelt field",
        { mjml: reminder.mjml.replace("{{cart.url}}", "{{cart.ulr}}") },
        /"ulr" not defined/,
      ],
      [
        "a sample without the cart",
        { sampleData: { ...reminder.sampleData, cart: undefined } },
        /Cannot read properties of undefined/,
      ],
      [
        "an unclosed block",
        { mjml: reminder.mjml.replace("<mj-raw>{{/with}}</mj-raw>", "") },
        /never closed/,
      ],
      [
        "a block between components",
        { mjml: reminder.mjml.replace("<mj-raw>{{#with cart}}</mj-raw>", "{{#with cart}}") },
        /dropped by MJML/,
      ],
      [
        "an invalid MJML attribute",
        { mjml: reminder.mjml.replace("<mj-button ", '<mj-button colour="red" ') },
        /colour is illegal/,
      ],
      [
        "no footer",
        { mjml: reminder.mjml.replace('<mj-include path="../_partials/footer.mjml" />', "") },
        /unsubscribe link|postal address/,
      ],
    ] as const)("%s", async (_, change, expected) => {
      const found = await problems(broken(change as Partial<FileTemplate>));
      expect(found.join("; ")).toMatch(expected);
    });
  });

  it("lists a cart's lines with picture, link, quantity and prices, in both parts", async () => {
    const email = (await compileTemplate(reminder())).render(reminder().sampleData);
    expect(email.html).toContain('src="https://shop.example.com/images/trail-running-shoes.jpg"');
    expect(email.html).toContain('href="https://shop.example.com/p/merino-socks"');
    expect(email.html).toContain('href="https://shop.example.com/cart/7f3k"');
    expect(email.text).toContain("Merino running socks (3 pack) [https://shop.example.com/p/merino-socks]");
    expect(email.text).toContain("Qty 2 · $18.00 each = $36.00");
    expect(email.text).toContain("Total $165.00");
  });

  it("sends a cart without a link back to the shop, and a second reminder without an incentive", async () => {
    const second = templates.find((template) => template.key === "cart-recovery-incentive");
    if (!second) throw new Error("cart-recovery-incentive missing");
    const { incentive: _incentive, ...withoutIncentive } = second.sampleData;
    const email = (await compileTemplate(second)).render({
      ...withoutIncentive,
      cart: { ...(second.sampleData.cart as object), url: undefined },
    });
    expect(email.subject).toBe("Your cart is still saved");
    expect(email.text).not.toContain("COMEBACK10");
    expect(email.text).toContain("Visit the shop [https://shop.example.com]");
  });

  it("greets a contact without a name neutrally", async () => {
    const welcome = await loadFileTemplate("welcome");
    if (!welcome) throw new Error("welcome template missing");
    const compiled = await compileTemplate(welcome);
    const anonymous = { ...welcome.sampleData, contact: { email: "anon@example.com" } };
    expect(compiled.render(anonymous).text).toContain("Hi there,");
    expect(compiled.render(anonymous).subject).toBe("Welcome to Lumen Analytics");
    const nameOnly = { ...welcome.sampleData, contact: { email: "x@example.com", name: "Dr. Who" } };
    expect(compiled.render(nameOnly).text).toContain("Hi Dr. Who,");
  });

  it("repeats per-item blocks: cart lines and win-back highlights", async () => {
    for (const key of ["cart-recovery-reminder", "re-engagement-winback"]) {
      const template = await loadFileTemplate(key);
      if (!template) throw new Error(`${key} template missing`);
      const { text } = (await compileTemplate(template)).render(template.sampleData);
      if (key === "cart-recovery-reminder") {
        expect(text).toContain("Trail running shoes");
        expect(text).toContain("Merino running socks (3 pack)");
        expect(text).toContain("$165.00");
      } else {
        expect(text).toContain("Dashboards, rebuilt");
        expect(text).toContain("The 2025 benchmark report");
      }
    }
  });

  it("includes the open-tracking pixel only when a tracker is given", async () => {
    const template = await loadFileTemplate("nurture-lead");
    if (!template) throw new Error("nurture-lead template missing");
    const compiled = await compileTemplate(template);
    const pixel = template.sampleData.trackers?.openPixelUrl ?? "";
    expect(compiled.render(template.sampleData).html).toContain(`src="${pixel}"`);
    expect(compiled.render({ ...template.sampleData, trackers: {} }).html).not.toContain(pixel);
  });

  it("loads nothing for an unknown key or a path", async () => {
    expect(await loadFileTemplate("no-such-template")).toBeUndefined();
    expect(await loadFileTemplate("../package")).toBeUndefined();
    expect(await loadFileTemplate("_partials")).toBeUndefined();
  });
});
