// Templates through the API: validated on save (errors name the line), versioned, listed next to the
// built-in ones, and previewed with sample or given data, escaped.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";

let stack: TestStack;

beforeAll(async () => {
  // No worker: these routes only touch the store.
  stack = await startTestStack({ smtpUrl: "smtp://127.0.0.1:9" });
});

afterAll(async () => {
  await stack?.stop();
});

const promo = (headline: string) => `<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text>${headline}</mj-text>
        <mj-text>Hi {{contact.firstName}}, {{offer}}.</mj-text>
      </mj-column>
    </mj-section>
    <mj-include path="../_partials/footer.mjml" />
  </mj-body>
</mjml>`;

const spring = {
  key: "spring-promo",
  subject: "Spring offer for {{contact.firstName}}",
  mjml: promo("Spring is here"),
  category: "marketing",
  sampleData: { offer: "20% off every plan" },
};

describe("publishing templates", () => {
  test("creates version 1, lists it next to the built-in templates and shows its versions", async () => {
    const created = await api(stack, "POST", "/v1/templates", spring);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: "spring-promo", version: 1, category: "marketing" });

    const list = await api(stack, "GET", "/v1/templates");
    expect(list.status).toBe(200);
    const keys = list.body.templates.map((template: { key: string }) => template.key);
    expect(keys).toEqual(expect.arrayContaining(["spring-promo", "welcome", "post-purchase-thanks"]));
    expect(list.body.templates.find((t: { key: string }) => t.key === "spring-promo")).toMatchObject({
      source: "stored",
      builtIn: false,
      activeVersion: 1,
    });
    expect(list.body.templates.find((t: { key: string }) => t.key === "welcome")).toMatchObject({
      source: "built-in",
      activeVersion: 0,
    });

    const detail = await api(stack, "GET", "/v1/templates/spring-promo");
    expect(detail.body.versions.map((v: { version: number }) => v.version)).toEqual([1]);
  });

  test("a second create of the same key, or of a built-in key, is a conflict", async () => {
    const again = await api(stack, "POST", "/v1/templates", spring);
    expect(again.status).toBe(409);
    expect(again.contentType).toContain("application/problem+json");
    const builtIn = await api(stack, "POST", "/v1/templates", { ...spring, key: "welcome" });
    expect(builtIn.status).toBe(409);
  });

  test("invalid MJML is refused with the line of each error, and nothing is written", async () => {
    const broken = `<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text colour="red">Hi</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;
    const refused = await api(stack, "POST", "/v1/templates", { ...spring, key: "broken", mjml: broken });
    expect(refused.status).toBe(400);
    expect(refused.contentType).toContain("application/problem+json");
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ field: "mjml", line: 5, message: expect.stringContaining("line 5") }),
    ]);
    expect((await api(stack, "GET", "/v1/templates/broken")).status).toBe(404);
  });

  test("a marketing template without the unsubscribe link is refused; a transactional one is not", async () => {
    const noFooter = promo("No way out").replace('    <mj-include path="../_partials/footer.mjml" />\n', "");
    const marketing = await api(stack, "POST", "/v1/templates", {
      ...spring,
      key: "no-exit",
      mjml: noFooter,
    });
    expect(marketing.status).toBe(400);
    expect(marketing.body.errors[0].message).toMatch(/unsubscribe link/);
    const receipt = await api(stack, "POST", "/v1/templates", {
      ...spring,
      key: "receipt",
      mjml: noFooter,
      category: "transactional",
    });
    expect(receipt.status).toBe(201);
  });

  test("a bad body names its fields", async () => {
    const refused = await api(stack, "POST", "/v1/templates", { key: "Bad Key", subject: "", mjml: 3 });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(["key", "subject", "mjml"]),
    );
  });
});

describe("versions and previews", () => {
  test("a new version becomes active; previews render the active or a given version", async () => {
    const v2 = await api(stack, "POST", "/v1/templates/spring-promo/versions", {
      ...spring,
      key: undefined,
      mjml: promo("Spring, second take"),
    });
    expect(v2.status).toBe(201);
    expect(v2.body.version).toBe(2);

    const active = await api(stack, "POST", "/v1/templates/spring-promo/preview", {});
    expect(active.status).toBe(200);
    expect(active.body).toMatchObject({ version: 2, subject: "Spring offer for Jane" });
    expect(active.body.html).toContain("Spring, second take");
    expect(active.body.text).toContain("Hi Jane, 20% off every plan.");

    const first = await api(stack, "POST", "/v1/templates/spring-promo/preview", { version: 1 });
    expect(first.body.html).toContain("Spring is here");
    expect((await api(stack, "POST", "/v1/templates/spring-promo/preview", { version: 9 })).status).toBe(404);
    expect((await api(stack, "POST", "/v1/templates/nothing-here/preview", {})).status).toBe(404);
  });

  test("given data overrides the sample, and hostile values are shown as text", async () => {
    const hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const preview = await api(stack, "POST", "/v1/templates/spring-promo/preview", {
      data: { contact: { email: "eve@example.com", firstName: hostile }, offer: "a <b>bold</b> claim" },
    });
    expect(preview.status).toBe(200);
    expect(preview.body.html).not.toContain("<script>alert");
    expect(preview.body.html).not.toContain("<img src=x");
    expect(preview.body.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(preview.body.html).toContain("a &lt;b&gt;bold&lt;/b&gt; claim");
    // The subject and the text part are not HTML: the reader sees the characters themselves.
    expect(preview.body.subject).toBe(`Spring offer for ${hostile}`);
    expect(preview.body.text).toContain(`Hi ${hostile}, a <b>bold</b> claim.`);
  });

  test("a built-in template previews with its sample data and takes stored versions from 1", async () => {
    const builtIn = await api(stack, "POST", "/v1/templates/welcome/preview", {});
    expect(builtIn.body).toMatchObject({ version: 0, subject: "Welcome to Lumen Analytics, Jane" });

    const edited = await api(stack, "POST", "/v1/templates/welcome/versions", {
      subject: "Hello {{contact.firstName}}",
      mjml: promo("Our own welcome"),
      sampleData: { offer: "a warm welcome" },
    });
    expect(edited.status).toBe(201);
    expect(edited.body.version).toBe(1);
    const detail = await api(stack, "GET", "/v1/templates/welcome");
    expect(detail.body).toMatchObject({ source: "stored", builtIn: true, activeVersion: 1 });
    expect(detail.body.versions.map((v: { version: number }) => v.version)).toEqual([0, 1]);
    const preview = await api(stack, "POST", "/v1/templates/welcome/preview", {});
    expect(preview.body.html).toContain("Our own welcome");
  });
});
