// The footer names the sender once, whatever the postal address repeats of it: with the default
// configuration it used to read "Nurtureflow · Nurtureflow · 1 Example Street · Springfield".
import { describe, expect, it } from "vitest";
import { loadFileTemplate } from "../../../activities/email/file-templates.ts";
import { compileTemplate } from "../../../activities/email/template-compiler.ts";
import { parseConfig } from "../../../domain/config.ts";
import { templateSender } from "../../../domain/email/template-data.ts";

async function footerLines(key: string, mailFrom: string, postalAddress: string): Promise<string[]> {
  const template = await loadFileTemplate(key);
  if (!template) throw new Error(`${key} template missing`);
  const { domain: _domain, ...sender } = templateSender(mailFrom, postalAddress);
  const { text } = (await compileTemplate(template)).render({ ...template.sampleData, sender });
  return text.split("\n").filter((line) => line.includes(postalAddress.split("·").at(-1)?.trim() ?? ""));
}

describe("the footer's sender line", () => {
  const config = parseConfig({});

  it.each(["welcome", "post-purchase-thanks"])("%s names the default sender once", async (key) => {
    const lines = await footerLines(key, config.mailFrom, config.senderPostalAddress);
    expect(lines).toEqual(["Nurtureflow · 1 Example Street · Springfield"]);
  });

  it("keeps an address that does not start with the sender's name", async () => {
    const lines = await footerLines("welcome", "Lumen <hi@lumen.example>", "1 Main St · Springfield");
    expect(lines).toEqual(["Lumen · 1 Main St · Springfield"]);
  });

  it("recognises the name however the address separates it", () => {
    for (const address of [
      "Lumen, 1 Main St",
      "LUMEN · 1 Main St",
      "Lumen - 1 Main St",
      "Lumen\n1 Main St",
    ]) {
      expect(templateSender("Lumen <hi@lumen.example>", address).postalAddress).toBe("1 Main St");
    }
    // A name that is only the start of a word is part of the address.
    expect(templateSender("Lumen <hi@lumen.example>", "Lumenstrasse 4, Bern").postalAddress).toBe(
      "Lumenstrasse 4, Bern",
    );
  });
});
