// Tokens in the links of an email: a payload the recipient's client carries back to us, with an HMAC so
// nobody can make one we did not. The purpose and the expiry are part of the signed input, so a token made
// for one kind of link (an open pixel) is worthless as another, and its expiry cannot be moved.
//
// Format: `<payload, base64url>.<expiry, unix seconds in base 36>.<HMAC-SHA256, base64url>`. Tokens made
// before expiries existed have no middle part; they are accepted as never expiring while the secret that
// signed them is accepted, so rotating the secret retires them.
//
// Rotation: sign with the current secret; verify with it, then with the previous one until its grace
// period ends, so links in emails already sent keep working while the secret changes.
import { createHmac, timingSafeEqual } from "node:crypto";

export type TokenPurpose = "unsubscribe" | "open" | "click";

export interface PreviousSecret {
  secret: string;
  /** When links signed with it stop working; null: for as long as it is configured. */
  until: Date | null;
}

export interface VerifiedToken {
  payload: string;
  /** Genuine, but past the expiry it was signed with. */
  expired: boolean;
}

export interface SignedTokens {
  sign(purpose: TokenPurpose, payload: string, ttlMs: number): string;
  /** The payload of a token made by sign() with this purpose and an accepted secret, else null. */
  verify(purpose: TokenPurpose, token: string): VerifiedToken | null;
}

const CANONICAL_EXPIRY = /^[0-9a-z]{1,12}$/;
// Expiries are rounded up to the hour, so the links of one email (the footer and List-Unsubscribe) carry
// one token, and a token does not reveal to the second when its email was rendered.
const EXPIRY_GRANULARITY_S = 3600;

function mac(secret: string, purpose: TokenPurpose, expiry: string | null, payload: string): Buffer {
  const input = expiry === null ? `${purpose}:${payload}` : `${purpose}:${expiry}:${payload}`;
  return Buffer.from(createHmac("sha256", secret).update(input).digest("base64url"));
}

export function createSignedTokens(
  secret: string,
  previous: PreviousSecret | null = null,
  now: () => number = Date.now,
): SignedTokens {
  const accepted = () =>
    previous && (previous.until === null || now() < previous.until.getTime())
      ? [secret, previous.secret]
      : [secret];
  return {
    sign(purpose, payload, ttlMs) {
      const expiry = (
        Math.ceil((now() + ttlMs) / 1000 / EXPIRY_GRANULARITY_S) * EXPIRY_GRANULARITY_S
      ).toString(36);
      return `${Buffer.from(payload).toString("base64url")}.${expiry}.${mac(secret, purpose, expiry, payload)}`;
    },
    verify(purpose, token) {
      const parts = token.split(".");
      if (parts.length !== 2 && parts.length !== 3) return null;
      const encoded = parts[0] as string;
      const signature = Buffer.from(parts[parts.length - 1] as string);
      const expiry = parts.length === 3 ? (parts[1] as string) : null;
      if (!encoded || (expiry !== null && !CANONICAL_EXPIRY.test(expiry))) return null;
      const payload = Buffer.from(encoded, "base64url").toString("utf8");
      // Re-encoding rejects tokens whose payload part is not canonical base64url (a tampered variant).
      if (Buffer.from(payload).toString("base64url") !== encoded) return null;
      const genuine = accepted().some((candidate) => {
        const expected = mac(candidate, purpose, expiry, payload);
        return expected.length === signature.length && timingSafeEqual(expected, signature);
      });
      if (!genuine) return null;
      const expired = expiry !== null && Number.parseInt(expiry, 36) * 1000 <= now();
      return { payload, expired };
    },
  };
}
