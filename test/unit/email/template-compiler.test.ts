import { describe, expect, it } from "vitest";
import {
  compileTemplate,
  getCompiledTemplate,
  type TemplateSource,
  validateMjml,
} from "../../../activities/email/template-compiler.ts";
import type { TemplateData } from "../../../domain/email/template-data.ts";

// Line numbers in the assertions below count from the first line of these literals.
const mjml = (body: string) => `<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
${body}
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;

const greeting: TemplateSource = {
  key: "greeting",
  version: 1,
  subject: "Hello {{contact.firstName}} & welcome",
  mjml: mjml(`        <mj-text>Hello {{contact.name}}, see <a href="{{ctaUrl}}">our guide</a>.</mj-text>
        <mj-raw>{{#each items}}</mj-raw>
        <mj-text>Item: {{this}}</mj-text>
        <mj-raw>{{/each}}</mj-raw>
        <mj-text><a href="{{unsubscribeUrl}}">Unsubscribe</a></mj-text>`),
};

const data = (contact: Partial<TemplateData["contact"]> = {}): TemplateData => ({
  contact: { email: "jane@example.com", name: "Jane Doe", firstName: "Jane", properties: {}, ...contact },
  sender: { name: "Lumen", postalAddress: "1 Main St, Springfield" },
  unsubscribeUrl: "https://example.com/unsubscribe?token=abc&x=1",
  ctaUrl: "https://example.com/guide",
  items: ["first", "second"],
});

describe("validateMjml", () => {
  it("accepts a valid template", async () => {
    expect(await validateMjml(greeting.mjml)).toEqual({ ok: true });
  });

  it("reports an illegal attribute with its line and tag", async () => {
    const result = await validateMjml(
      mjml(`        <mj-text>fine</mj-text>\n        <mj-text colour="red">x</mj-text>`),
    );
    expect(result).toEqual({
      ok: false,
      errors: [{ line: 6, message: "Attribute colour is illegal", tagName: "mj-text" }],
    });
  });

  it("reports a component in the wrong parent", async () => {
    const result = await validateMjml(
      `<mjml>\n  <mj-body>\n    <mj-text>loose</mj-text>\n  </mj-body>\n</mjml>`,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatchObject({ line: 3, tagName: "mj-text" });
  });

  it("reports a template tag in a size attribute, which MJML cannot render", async () => {
    const result = await validateMjml(mjml(`        <mj-text padding="{{pad}}">x</mj-text>`));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatchObject({ line: 5, tagName: "mj-text" });
  });

  it("reports block tags MJML would drop between components, at their lines", async () => {
    const result = await validateMjml(
      mjml(`        {{#each items}}\n        <mj-text>{{this}}</mj-text>\n        {{/each}}`),
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.map((error) => error.line)).toEqual([5, 7]);
      expect(result.errors[0]?.message).toContain("<mj-raw>");
    }
  });

  it("reports Handlebars syntax errors with their line", async () => {
    const result = await validateMjml(
      mjml(`        <mj-text>ok</mj-text>\n        <mj-text>{{#if vip}}VIP</mj-text>`),
    );
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors[0]).toMatchObject({ line: 6, message: expect.stringContaining("syntax") });
  });

  it("reports a helper that does not exist, which would fail every send", async () => {
    const result = await validateMjml(mjml(`        <mj-text>{{uppercase contact.name}}</mj-text>`));
    expect(result).toEqual({
      ok: false,
      errors: [{ line: 5, message: expect.stringContaining("unknown helper uppercase") }],
    });
  });

  it("reports an include that cannot be read instead of silently leaving it out", async () => {
    const result = await validateMjml(
      `<mjml>\n  <mj-body>\n    <mj-include path="../_partials/missing.mjml" />\n  </mj-body>\n</mjml>`,
    );
    expect(result).toEqual({
      ok: false,
      errors: [expect.objectContaining({ line: 3, tagName: "mj-include" })],
    });
  });

  it("reports input that is not MJML at all", async () => {
    const result = await validateMjml("Dear customer");
    expect(result.ok).toBe(false);
  });

  it("ignores template tags inside comments, which MJML drops", async () => {
    expect(
      await validateMjml(mjml(`        <!-- {{#each nothing}} -->\n        <mj-text>x</mj-text>`)),
    ).toEqual({ ok: true });
  });
});

describe("compileTemplate", () => {
  it("renders subject, HTML and a text part", async () => {
    const email = (await compileTemplate(greeting)).render(data());
    expect(email.subject).toBe("Hello Jane & welcome");
    expect(email.html).toContain("<!doctype html>");
    expect(email.html).toContain("Hello Jane Doe");
    expect(email.html).toContain("Item: first");
    expect(email.html).toContain("Item: second");
    expect(email.html).toContain('href="https://example.com/unsubscribe?token&#x3D;abc&amp;x&#x3D;1"');
    expect(email.text).toContain("Hello Jane Doe, see our guide [https://example.com/guide].");
    expect(email.text).toContain("Item: first\n");
    expect(email.text).toContain("Unsubscribe [https://example.com/unsubscribe?token=abc&x=1]");
    expect(email.text).not.toMatch(/<[a-z]|\{\{/i);
  });

  it("escapes hostile personal data in the HTML and keeps it literal in the text part", async () => {
    const hostile = "<script>alert(1)</script>";
    const email = (await compileTemplate(greeting)).render(data({ name: hostile, firstName: hostile }));
    expect(email.html).not.toContain("<script>");
    expect(email.html).toContain("Hello &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(email.text).toContain(`Hello ${hostile}, see our guide`);
    expect(email.subject).toBe(`Hello ${hostile} & welcome`);
  });

  it("keeps a line break in personal data out of the subject header", async () => {
    const email = (await compileTemplate(greeting)).render(
      data({ firstName: "Jane\r\nBcc: victim@example.com" }),
    );
    expect(email.subject).toBe("Hello Jane Bcc: victim@example.com & welcome");
  });

  it("composes a stored template with the shared partials", async () => {
    const stored: TemplateSource = {
      key: "stored",
      version: 3,
      subject: "Stored",
      mjml: `<mjml>
  <mj-head><mj-include path="../_layouts/default.mjml" /></mj-head>
  <mj-body>
    <mj-include path="../_partials/header.mjml" />
    <mj-section><mj-column><mj-text>Body</mj-text></mj-column></mj-section>
    <mj-include path="../_partials/footer.mjml" />
  </mj-body>
</mjml>`,
    };
    const email = (await compileTemplate(stored)).render(data());
    expect(email.html).toContain("1 Main St, Springfield");
    expect(email.html).toContain('href="https://example.com/unsubscribe?token&#x3D;abc&amp;x&#x3D;1"');
    expect(email.text).toContain("Unsubscribe [https://example.com/unsubscribe?token=abc&x=1]");
  });

  it("throws every error of a broken template", async () => {
    const broken = {
      ...greeting,
      subject: "{{#if x}}",
      mjml: mjml(`        <mj-text colour="red">x</mj-text>`),
    };
    await expect(compileTemplate(broken)).rejects.toMatchObject({
      name: "TemplateCompileError",
      templateKey: "greeting",
      errors: [
        expect.objectContaining({ message: expect.stringContaining("subject:") }),
        expect.objectContaining({ line: 5, tagName: "mj-text" }),
      ],
    });
  });
});

describe("getCompiledTemplate", () => {
  it("compiles a version once and returns the same compiled template", async () => {
    const source = { ...greeting, key: "cached" };
    const [first, concurrent] = await Promise.all([getCompiledTemplate(source), getCompiledTemplate(source)]);
    expect(concurrent).toBe(first);
    expect(await getCompiledTemplate(source)).toBe(first);
    expect(await getCompiledTemplate({ ...source, version: 2 })).not.toBe(first);
  });

  it("does not keep a failed compilation", async () => {
    const broken = { ...greeting, key: "retry", mjml: "not mjml" };
    await expect(getCompiledTemplate(broken)).rejects.toThrow();
    const fixed = await getCompiledTemplate({ ...broken, mjml: greeting.mjml });
    expect(fixed.render(data()).html).toContain("Hello Jane Doe");
  });
});
