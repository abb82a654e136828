import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDkimKey } from "../../../activities/email/dkim-key.ts";
import { ConfigError, parseConfig } from "../../../domain/config.ts";

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 1024,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

describe("sending configuration", () => {
  it("signs nothing and tracks nothing by default", () => {
    expect(parseConfig({})).toMatchObject({ dkim: null, emailTracking: false });
  });

  it("reads EMAIL_TRACKING as on or off", () => {
    expect(parseConfig({ EMAIL_TRACKING: "on" }).emailTracking).toBe(true);
    expect(() => parseConfig({ EMAIL_TRACKING: "yes" })).toThrow(/EMAIL_TRACKING/);
  });

  it("takes the DKIM key inline (one-line PEM with \\n escapes) or from a file", async () => {
    const inline = parseConfig({
      DKIM_DOMAIN: "lumen.example",
      DKIM_SELECTOR: "nf1",
      DKIM_PRIVATE_KEY: privateKey.replace(/\n/g, "\\n"),
    });
    expect(inline.dkim).toMatchObject({ domainName: "lumen.example", keySelector: "nf1" });
    expect((await loadDkimKey(inline.dkim ?? expect.fail())).privateKey).toBe(privateKey);

    const file = join(mkdtempSync(join(tmpdir(), "nf-dkim-")), "dkim.pem");
    writeFileSync(file, privateKey);
    const fromFile = parseConfig({
      DKIM_DOMAIN: "lumen.example",
      DKIM_SELECTOR: "nf1",
      DKIM_PRIVATE_KEY_FILE: file,
    });
    expect((await loadDkimKey(fromFile.dkim ?? expect.fail())).privateKey).toBe(privateKey);
  });

  it("refuses a partial DKIM setup and a key that is not one, without echoing it", async () => {
    expect(() => parseConfig({ DKIM_DOMAIN: "lumen.example" })).toThrow(ConfigError);
    const bad = parseConfig({
      DKIM_DOMAIN: "lumen.example",
      DKIM_SELECTOR: "nf1",
      DKIM_PRIVATE_KEY: "hunter2",
    });
    const error = await loadDkimKey(bad.dkim ?? expect.fail()).catch((failure: Error) => failure);
    expect(String(error)).toMatch(/DKIM_PRIVATE_KEY is not a PEM private key/);
    expect(String(error)).not.toContain("hunter2");
  });
});
