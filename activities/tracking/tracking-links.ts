// Signed open-pixel and click-redirect URLs. A click token signs the send-ledger id together with the
// destination, so the redirect only ever leads to a link that was in that email: changing the URL in a
// token breaks its signature, and there is no way to name a destination outside a token (no open redirect).
//
// They expire TRACKING_LINK_TTL_MS (90 days) after the email was rendered. An expired but genuine token
// still shows the pixel and still redirects (the destination was in our email), but records nothing: a
// token replayed months later, or leaked, cannot move scores, segments or running programs.
import { createSignedTokens, type PreviousSecret } from "../email/signed-tokens.ts";

export const TRACKING_LINK_TTL_MS = 90 * 24 * 3600 * 1000;

export interface OpenTarget {
  ledgerId: string;
  /** Genuine but too old to record. */
  expired: boolean;
}

export interface ClickTarget extends OpenTarget {
  url: string;
}

export interface TrackingLinks {
  openPixelUrl(ledgerId: string): string;
  clickUrl(ledgerId: string, url: string): string;
  /** The ledger id of a genuine open token, else null. */
  verifyOpen(token: string): OpenTarget | null;
  verifyClick(token: string): ClickTarget | null;
}

function clickPayload(payload: string): [string, string] | null {
  try {
    const parsed: unknown = JSON.parse(payload);
    return Array.isArray(parsed) && parsed.length === 2 && parsed.every((part) => typeof part === "string")
      ? (parsed as [string, string])
      : null;
  } catch {
    return null;
  }
}

export function createTrackingLinks(
  publicUrl: string,
  secret: string,
  previous: PreviousSecret | null = null,
  now: () => number = Date.now,
): TrackingLinks {
  const tokens = createSignedTokens(secret, previous, now);
  return {
    openPixelUrl: (ledgerId) => `${publicUrl}/t/o/${tokens.sign("open", ledgerId, TRACKING_LINK_TTL_MS)}.gif`,
    clickUrl: (ledgerId, url) =>
      `${publicUrl}/t/c/${tokens.sign("click", JSON.stringify([ledgerId, url]), TRACKING_LINK_TTL_MS)}`,
    verifyOpen(token) {
      const verified = tokens.verify("open", token);
      return verified && { ledgerId: verified.payload, expired: verified.expired };
    },
    verifyClick(token) {
      const verified = tokens.verify("click", token);
      const parts = verified && clickPayload(verified.payload);
      if (!verified || !parts) return null;
      return { ledgerId: parts[0], url: parts[1], expired: verified.expired };
    },
  };
}
