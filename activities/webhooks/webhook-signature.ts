// The X-Nurtureflow-Signature of a webhook request: HMAC-SHA256, keyed with WEBHOOK_SIGNING_SECRET, of
// `<X-Nurtureflow-Timestamp>.<raw body>`, hex. The timestamp inside the MAC lets receivers refuse replays.
//
// Interface:
//   signWebhookBody(secret, timestamp, body) → hex digest (the header is `sha256=<digest>`)
//   verifyWebhookSignature(secret, timestamp, body, header) → boolean, in constant time
import { createHmac, timingSafeEqual } from "node:crypto";

export function signWebhookBody(secret: string, timestamp: string, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

export function verifyWebhookSignature(
  secret: string,
  timestamp: string,
  body: string,
  header: string,
): boolean {
  const expected = Buffer.from(`sha256=${signWebhookBody(secret, timestamp, body)}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
