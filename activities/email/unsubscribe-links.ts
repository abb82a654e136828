// Signed unsubscribe links: the token names the contact and carries an HMAC, so a link cannot be
// forged for another contact. Created when an email is rendered, verified by the API.
import { createSignedTokens } from "./signed-tokens.ts";

export interface UnsubscribeLinks {
  token(contactId: string): string;
  /** The contact id the token was made for, or null for a forged or damaged token. */
  verify(token: string): string | null;
  /** The page with a confirmation button: the visible link in the footer. */
  pageUrl(contactId: string): string;
  /** RFC 8058 one-click target of List-Unsubscribe: a POST there unsubscribes at once. */
  oneClickUrl(contactId: string): string;
}

export function createUnsubscribeLinks(publicUrl: string, secret: string): UnsubscribeLinks {
  const tokens = createSignedTokens(secret);
  const token = (contactId: string) => tokens.sign("unsubscribe", contactId);
  return {
    token,
    verify: (candidate) => tokens.verify("unsubscribe", candidate),
    pageUrl: (contactId) => `${publicUrl}/unsubscribe?token=${token(contactId)}`,
    oneClickUrl: (contactId) => `${publicUrl}/v1/unsubscribe?token=${token(contactId)}`,
  };
}
