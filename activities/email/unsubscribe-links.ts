// Signed unsubscribe links: the token names the contact and carries an HMAC, so a link cannot be
// forged for another contact. Created when an email is rendered, verified by the API.
//
// They work for UNSUBSCRIBE_LINK_TTL_MS (400 days) after the email was rendered: the law asks for at
// least 30 days (CAN-SPAM) and people unsubscribe from mail they kept for a year, so every email of the
// past year and a month keeps a working link, while a leaked link does not work forever.
import { createSignedTokens, type PreviousSecret } from "./signed-tokens.ts";

export const UNSUBSCRIBE_LINK_TTL_MS = 400 * 24 * 3600 * 1000;

export interface UnsubscribeLinks {
  token(contactId: string): string;
  /** The contact id the token was made for, or null for a forged, damaged or expired token. */
  verify(token: string): string | null;
  /** The page with a confirmation button: the visible link in the footer. */
  pageUrl(contactId: string): string;
  /** RFC 8058 one-click target of List-Unsubscribe: a POST there unsubscribes at once. */
  oneClickUrl(contactId: string): string;
}

export function createUnsubscribeLinks(
  publicUrl: string,
  secret: string,
  previous: PreviousSecret | null = null,
  now: () => number = Date.now,
): UnsubscribeLinks {
  const tokens = createSignedTokens(secret, previous, now);
  const token = (contactId: string) => tokens.sign("unsubscribe", contactId, UNSUBSCRIBE_LINK_TTL_MS);
  return {
    token,
    verify(candidate) {
      const verified = tokens.verify("unsubscribe", candidate);
      return verified && !verified.expired ? verified.payload : null;
    },
    pageUrl: (contactId) => `${publicUrl}/unsubscribe?token=${token(contactId)}`,
    oneClickUrl: (contactId) => `${publicUrl}/v1/unsubscribe?token=${token(contactId)}`,
  };
}
