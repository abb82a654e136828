import { describe, expect, it } from "vitest";
import { createSignedTokens } from "../../../activities/email/signed-tokens.ts";
import { createUnsubscribeLinks } from "../../../activities/email/unsubscribe-links.ts";
import { createTrackingLinks } from "../../../activities/tracking/tracking-links.ts";

const CONTACT = "6f1c2a9e-0000-4000-8000-000000000001";

describe("signed tokens", () => {
  const tokens = createSignedTokens("s3cret");

  it("round-trip their payload for the purpose they were made for only", () => {
    const token = tokens.sign("open", "42");
    expect(tokens.verify("open", token)).toBe("42");
    expect(tokens.verify("click", token)).toBeNull();
    expect(createSignedTokens("other").verify("open", token)).toBeNull();
  });

  it("refuse a changed payload, a changed signature and malformed tokens", () => {
    const [payload, signature] = tokens.sign("open", "42").split(".") as [string, string];
    expect(tokens.verify("open", `${Buffer.from("43").toString("base64url")}.${signature}`)).toBeNull();
    expect(tokens.verify("open", `${payload}.${signature.slice(0, -1)}`)).toBeNull();
    expect(tokens.verify("open", `${payload}.${signature}.x`)).toBeNull();
    expect(tokens.verify("open", `${payload}=.${signature}`)).toBeNull();
    expect(tokens.verify("open", "")).toBeNull();
  });
});

describe("unsubscribe links", () => {
  const links = createUnsubscribeLinks("https://mail.example", "s3cret");

  it("point the page and the one-click POST at the same signed token", () => {
    const token = links.token(CONTACT);
    expect(links.pageUrl(CONTACT)).toBe(`https://mail.example/unsubscribe?token=${token}`);
    expect(links.oneClickUrl(CONTACT)).toBe(`https://mail.example/v1/unsubscribe?token=${token}`);
    expect(links.verify(token)).toBe(CONTACT);
  });
});

describe("tracking links", () => {
  const links = createTrackingLinks("https://mail.example", "s3cret");

  it("sign the ledger id and the destination together", () => {
    const url = "https://shop.example/cart?id=7&utm=mail";
    const token = links.clickUrl("17", url).split("/t/c/")[1] ?? "";
    expect(links.verifyClick(token)).toEqual({ ledgerId: "17", url });
    const open = /\/t\/o\/(.+)\.gif$/.exec(links.openPixelUrl("17"))?.[1] ?? "";
    expect(links.verifyOpen(open)).toBe("17");
    // An open token is not a click token, and the other way round.
    expect(links.verifyClick(open)).toBeNull();
    expect(links.verifyOpen(token)).toBeNull();
  });
});
