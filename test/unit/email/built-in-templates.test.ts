import { describe, expect, it } from "vitest";
import { listFileTemplates, loadFileTemplate } from "../../../activities/email/file-templates.ts";
import { compileTemplate, validateMjml } from "../../../activities/email/template-compiler.ts";

const BUILT_IN_KEYS = [
  "cart-recovery-incentive",
  "cart-recovery-reminder",
  "nurture-lead",
  "nurture-mql",
  "nurture-opportunity",
  "post-purchase-review-request",
  "post-purchase-thanks",
  "re-engagement-winback",
  "welcome",
];

const templates = await listFileTemplates();

describe("built-in file templates", () => {
  it("lists every built-in template, and nothing from _layouts or _partials", () => {
    expect(templates.map((template) => template.key)).toEqual(BUILT_IN_KEYS);
    expect(templates.every((template) => template.version === 0)).toBe(true);
  });

  it("marks only the order confirmation as transactional", () => {
    const transactional = templates.filter((template) => template.category === "transactional");
    expect(transactional.map((template) => template.key)).toEqual(["post-purchase-thanks"]);
  });

  describe.each(templates.map((template) => [template.key, template] as const))("%s", (_, template) => {
    it("validates", async () => {
      expect(await validateMjml(template.mjml, template.filePath)).toEqual({ ok: true });
    });

    it("renders its sample data with every tag filled in", async () => {
      const email = (await compileTemplate(template)).render(template.sampleData);
      const { sender, unsubscribeUrl } = template.sampleData;
      expect(email.subject.length).toBeGreaterThan(5);
      for (const part of [email.subject, email.html, email.text]) expect(part).not.toContain("{{");
      expect(email.html).toContain("<!doctype html>");
      expect(email.html).toContain(sender.postalAddress);
      expect(email.text).toContain(sender.postalAddress);
      expect(email.text).not.toMatch(/<\/?[a-z]+[ >]/i);
      if (template.category === "marketing") {
        expect(email.html).toContain(`href="${unsubscribeUrl.replaceAll("=", "&#x3D;")}"`);
        expect(email.text).toContain(`Unsubscribe [${unsubscribeUrl}]`);
      } else {
        expect(email.html).not.toContain(unsubscribeUrl);
      }
    });
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
        expect(text).toContain("$201.00");
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
