// The send path computes the erased-address key inside PostgreSQL from the padded HMAC keys; these
// must give exactly erasedAddressKey's digest, for short keys and for keys longer than a block.
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { erasedAddressKey, erasedAddressPads } from "../../../activities/consent/suppression.ts";

const sha256 = (...parts: Buffer[]) => createHash("sha256").update(Buffer.concat(parts)).digest();

/** What the SQL does: sha256(outer || sha256(inner || address)). */
function viaPads(secret: string, address: string): string {
  const { inner, outer } = erasedAddressPads(secret);
  const digest = sha256(
    Buffer.from(outer, "hex"),
    sha256(Buffer.from(inner, "hex"), Buffer.from(address, "utf8")),
  );
  return `erased:${digest.toString("hex")}`;
}

describe("erased address keys", () => {
  test.each([
    ["dev secret", "nurtureflow-local-erasure-secret"],
    ["exactly one block", "k".repeat(64)],
    ["longer than a block", "a much longer production secret ".repeat(5)],
    ["non-ASCII", "clé-secrète-ü"],
  ])("the padded keys reproduce the HMAC (%s)", (_name, secret) => {
    expect(viaPads(secret, "ada@example.com")).toBe(erasedAddressKey(secret, "ada@example.com"));
  });

  test("keyed by the lower-cased address and by the secret", () => {
    expect(erasedAddressKey("s", " Ada@Example.COM ")).toBe(erasedAddressKey("s", "ada@example.com"));
    expect(erasedAddressKey("s", "ada@example.com")).not.toBe(erasedAddressKey("t", "ada@example.com"));
    expect(erasedAddressKey("s", "ada@example.com")).not.toContain("ada");
  });
});
