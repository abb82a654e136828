// Signed unsubscribe links: the token names the contact and carries an HMAC, so a link cannot be
// forged for another contact. Created when an email is rendered, verified by the API.
import { createHmac, timingSafeEqual } from "node:crypto";

export interface UnsubscribeLinks {
  token(contactId: string): string;
  verify(token: string): string | null;
  pageUrl(contactId: string): string;
  oneClickUrl(contactId: string): string;
}

export function createUnsubscribeLinks(publicUrl: string, secret: string): UnsubscribeLinks {
  const mac = (payload: string) =>
    createHmac("sha256", secret).update(`unsubscribe:${payload}`).digest("base64url");
  const token = (contactId: string) => `${Buffer.from(contactId).toString("base64url")}.${mac(contactId)}`;
  return {
    token,
    verify(candidate) {
      const [encoded, signature] = candidate.split(".");
      if (!encoded || !signature) return null;
      const contactId = Buffer.from(encoded, "base64url").toString("utf8");
      const expected = Buffer.from(mac(contactId));
      const given = Buffer.from(signature);
      return expected.length === given.length && timingSafeEqual(expected, given) ? contactId : null;
    },
    pageUrl: (contactId) => `${publicUrl}/unsubscribe?token=${token(contactId)}`,
    oneClickUrl: (contactId) => `${publicUrl}/v1/unsubscribe?token=${token(contactId)}`,
  };
}
