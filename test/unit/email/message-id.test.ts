import { describe, expect, it } from "vitest";
import { deriveMessageId, fnv1a128 } from "../../../domain/email/message-id.ts";

const contactId = "6f1c2a9e-8d4b-4c1e-9a57-3b0e5f7d2c81";
const businessKey = `seq/welcome/contact/${contactId}/lead#step:send-welcome`;

describe("fnv1a128", () => {
  it("matches the published FNV-1a 128-bit test vectors", () => {
    expect(fnv1a128("").toString(16)).toBe("6c62272e07bb014262b821756295c58d");
    expect(fnv1a128("a").toString(16)).toBe("d228cb696f1a8caf78912b704e4a8964");
    expect(fnv1a128("foobar").toString(16)).toBe("343e1662793c64bf6f0d3597ba446f18");
  });

  it("hashes UTF-8 bytes (0xc3 0xa9 for é), not UTF-16 code units", () => {
    expect(fnv1a128("é").toString(16)).toBe("88093bf9eab1be95aa0733054c70821");
  });
});

describe("deriveMessageId", () => {
  it("is an RFC 5322 msg-id on the sending domain", () => {
    expect(deriveMessageId(businessKey, "Mail.Example.com")).toMatch(/^<nf\.[0-9a-z]+@mail\.example\.com>$/);
  });

  it("is stable: a retried send gets the same Message-ID", () => {
    expect(deriveMessageId(businessKey, "example.com")).toBe(deriveMessageId(businessKey, "example.com"));
  });

  it("does not reveal the business key", () => {
    expect(deriveMessageId(businessKey, "example.com")).not.toContain(contactId);
  });

  it("differs for keys that differ in one character, step or domain", () => {
    const ids = new Set([
      deriveMessageId(businessKey, "example.com"),
      deriveMessageId(businessKey.replace("c81", "c82"), "example.com"),
      deriveMessageId(businessKey.replace("send-welcome", "send-welcome-2"), "example.com"),
      deriveMessageId(businessKey, "example.org"),
    ]);
    expect(ids.size).toBe(4);
  });

  it("has no collisions over many similar keys", () => {
    const ids = new Set<string>();
    for (let contact = 0; contact < 2_000; contact += 1) {
      for (const step of ["send-reminder", "send-incentive", "send-winback"]) {
        ids.add(
          deriveMessageId(`seq/cart-recovery/contact/${contact}/cart/${contact % 7}#step:${step}`, "x.io"),
        );
      }
    }
    expect(ids.size).toBe(6_000);
  });

  it("rejects an empty key and a domain that cannot appear in a Message-ID", () => {
    expect(() => deriveMessageId("", "example.com")).toThrow(RangeError);
    for (const domain of ["", "exa mple.com", "example.com>", "-example.com", "a..b", "<x@y>"]) {
      expect(() => deriveMessageId(businessKey, domain)).toThrow(RangeError);
    }
  });
});
