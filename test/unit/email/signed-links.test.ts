import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSignedTokens } from "../../../activities/email/signed-tokens.ts";
import {
  createUnsubscribeLinks,
  UNSUBSCRIBE_LINK_TTL_MS,
} from "../../../activities/email/unsubscribe-links.ts";
import { createTrackingLinks, TRACKING_LINK_TTL_MS } from "../../../activities/tracking/tracking-links.ts";
import { DEVELOPMENT_LINK_SIGNING_SECRET } from "../../../domain/config.ts";

const CONTACT = "6f1c2a9e-0000-4000-8000-000000000001";
const DAY = 24 * 3600 * 1000;
const T0 = Date.parse("2026-12-01T12:00:00Z");

/** A clock the test moves. */
function clock(start = T0) {
  let at = start;
  return { now: () => at, advance: (ms: number) => (at += ms) };
}

describe("signed tokens", () => {
  const tokens = createSignedTokens("s3cret");

  it("round-trip their payload for the purpose they were made for only", () => {
    const token = tokens.sign("open", "42", DAY);
    expect(tokens.verify("open", token)).toEqual({ payload: "42", expired: false });
    expect(tokens.verify("click", token)).toBeNull();
    expect(createSignedTokens("other").verify("open", token)).toBeNull();
  });

  it("refuse a changed payload, a changed signature or expiry, and malformed tokens", () => {
    const [payload, expiry, signature] = tokens.sign("open", "42", DAY).split(".") as [
      string,
      string,
      string,
    ];
    expect(
      tokens.verify("open", `${Buffer.from("43").toString("base64url")}.${expiry}.${signature}`),
    ).toBeNull();
    expect(tokens.verify("open", `${payload}.${expiry}.${signature.slice(0, -1)}`)).toBeNull();
    // Pushing the expiry later breaks the signature.
    const later = (Number.parseInt(expiry, 36) + 3600).toString(36);
    expect(tokens.verify("open", `${payload}.${later}.${signature}`)).toBeNull();
    expect(tokens.verify("open", `${payload}.${expiry}.${signature}.x`)).toBeNull();
    expect(tokens.verify("open", `${payload}=.${expiry}.${signature}`)).toBeNull();
    expect(tokens.verify("open", `${payload}.${expiry.toUpperCase()}.${signature}`)).toBeNull();
    expect(tokens.verify("open", "")).toBeNull();
  });

  it("expire at the time signed into them", () => {
    const time = clock();
    const timed = createSignedTokens("s3cret", null, time.now);
    const token = timed.sign("click", "payload", DAY);
    time.advance(DAY - 1000);
    expect(timed.verify("click", token)?.expired).toBe(false);
    time.advance(2000);
    expect(timed.verify("click", token)).toEqual({ payload: "payload", expired: true });
  });

  it("accept the previous secret during its grace period only, and always sign with the current one", () => {
    const time = clock();
    const before = createSignedTokens("old-secret", null, time.now).sign("unsubscribe", CONTACT, 10 * DAY);
    const rotated = createSignedTokens(
      "new-secret",
      { secret: "old-secret", until: new Date(T0 + 2 * DAY) },
      time.now,
    );
    expect(rotated.verify("unsubscribe", before)?.payload).toBe(CONTACT);
    expect(
      createSignedTokens("new-secret").verify("unsubscribe", rotated.sign("unsubscribe", CONTACT, DAY)),
    ).not.toBeNull();
    time.advance(2 * DAY);
    expect(rotated.verify("unsubscribe", before)).toBeNull();
    // Without an end date the previous secret is accepted for as long as it is configured.
    expect(
      createSignedTokens("new-secret", { secret: "old-secret", until: null }, time.now).verify(
        "unsubscribe",
        before,
      ),
    ).not.toBeNull();
  });

  it("accept tokens made before expiries existed as never expiring, with their own secret only", () => {
    const legacy = `${Buffer.from("42").toString("base64url")}.${createHmac("sha256", "s3cret").update("open:42").digest("base64url")}`;
    expect(tokens.verify("open", legacy)).toEqual({ payload: "42", expired: false });
    expect(createSignedTokens("rotated").verify("open", legacy)).toBeNull();
  });
});

describe("unsubscribe links", () => {
  it("point the page and the one-click POST at the same signed token", () => {
    const links = createUnsubscribeLinks("https://mail.example", "s3cret");
    const token = links.token(CONTACT);
    expect(links.pageUrl(CONTACT)).toBe(`https://mail.example/unsubscribe?token=${token}`);
    expect(links.oneClickUrl(CONTACT)).toBe(`https://mail.example/v1/unsubscribe?token=${token}`);
    expect(links.verify(token)).toBe(CONTACT);
  });

  it("keep working for more than a year, then stop", () => {
    const time = clock();
    const links = createUnsubscribeLinks("https://mail.example", "s3cret", null, time.now);
    const token = links.token(CONTACT);
    expect(UNSUBSCRIBE_LINK_TTL_MS).toBeGreaterThan(365 * DAY);
    time.advance(UNSUBSCRIBE_LINK_TTL_MS - DAY);
    expect(links.verify(token)).toBe(CONTACT);
    time.advance(2 * DAY);
    expect(links.verify(token)).toBeNull();
  });
});

describe("tracking links", () => {
  it("sign the ledger id and the destination together", () => {
    const links = createTrackingLinks("https://mail.example", "s3cret");
    const url = "https://shop.example/cart?id=7&utm=mail";
    const token = links.clickUrl("17", url).split("/t/c/")[1] ?? "";
    expect(links.verifyClick(token)).toEqual({ ledgerId: "17", url, expired: false });
    const open = /\/t\/o\/(.+)\.gif$/.exec(links.openPixelUrl("17"))?.[1] ?? "";
    expect(links.verifyOpen(open)).toEqual({ ledgerId: "17", expired: false });
    // An open token is not a click token, and the other way round.
    expect(links.verifyClick(open)).toBeNull();
    expect(links.verifyOpen(token)).toBeNull();
  });

  it("refuse click tokens forged with the public development secret (an open redirect before)", () => {
    const forged = createTrackingLinks("https://mail.example", DEVELOPMENT_LINK_SIGNING_SECRET)
      .clickUrl("17", "https://evil.example/")
      .split("/t/c/")[1] as string;
    expect(createTrackingLinks("https://mail.example", "a real secret").verifyClick(forged)).toBeNull();
  });

  it("report expiry after the tracking lifetime", () => {
    const time = clock();
    const links = createTrackingLinks("https://mail.example", "s3cret", null, time.now);
    const open = /\/t\/o\/(.+)\.gif$/.exec(links.openPixelUrl("17"))?.[1] ?? "";
    time.advance(TRACKING_LINK_TTL_MS + 1000);
    expect(links.verifyOpen(open)).toEqual({ ledgerId: "17", expired: true });
  });
});
