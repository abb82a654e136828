// Tokens in the links of an email: a payload the recipient's client carries back to us, with an HMAC so
// nobody can make one we did not. The purpose is part of the signed input, so a token made for one kind
// of link (an open pixel) is worthless as another (a click redirect or an unsubscribe).
import { createHmac, timingSafeEqual } from "node:crypto";

export type TokenPurpose = "unsubscribe" | "open" | "click";

export interface SignedTokens {
  sign(purpose: TokenPurpose, payload: string): string;
  /** The payload, or null when the token was not made by sign() with this purpose and secret. */
  verify(purpose: TokenPurpose, token: string): string | null;
}

export function createSignedTokens(secret: string): SignedTokens {
  const mac = (purpose: TokenPurpose, payload: string) =>
    createHmac("sha256", secret).update(`${purpose}:${payload}`).digest("base64url");
  return {
    sign: (purpose, payload) => `${Buffer.from(payload).toString("base64url")}.${mac(purpose, payload)}`,
    verify(purpose, token) {
      const [encoded, signature, extra] = token.split(".");
      if (!encoded || !signature || extra !== undefined) return null;
      const payload = Buffer.from(encoded, "base64url").toString("utf8");
      // Re-encoding rejects tokens whose payload part is not canonical base64url (a tampered variant).
      if (Buffer.from(payload).toString("base64url") !== encoded) return null;
      const expected = Buffer.from(mac(purpose, payload));
      const given = Buffer.from(signature);
      return expected.length === given.length && timingSafeEqual(expected, given) ? payload : null;
    },
  };
}
