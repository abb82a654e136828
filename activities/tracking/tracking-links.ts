// Signed open-pixel and click-redirect URLs. A click token signs the send-ledger id together with the
// destination, so the redirect only ever leads to a link that was in that email: changing the URL in a
// token breaks its signature, and there is no way to name a destination outside a token (no open redirect).
import { createSignedTokens } from "../email/signed-tokens.ts";

export interface ClickTarget {
  ledgerId: string;
  url: string;
}

export interface TrackingLinks {
  openPixelUrl(ledgerId: string): string;
  clickUrl(ledgerId: string, url: string): string;
  /** The ledger id of a genuine open token, else null. */
  verifyOpen(token: string): string | null;
  verifyClick(token: string): ClickTarget | null;
}

export function createTrackingLinks(publicUrl: string, secret: string): TrackingLinks {
  const tokens = createSignedTokens(secret);
  return {
    openPixelUrl: (ledgerId) => `${publicUrl}/t/o/${tokens.sign("open", ledgerId)}.gif`,
    clickUrl: (ledgerId, url) => `${publicUrl}/t/c/${tokens.sign("click", JSON.stringify([ledgerId, url]))}`,
    verifyOpen: (token) => tokens.verify("open", token),
    verifyClick(token) {
      const payload = tokens.verify("click", token);
      if (payload === null) return null;
      const [ledgerId, url] = JSON.parse(payload) as [string, string];
      return { ledgerId, url };
    },
  };
}
