// The suppression list: addresses that never get marketing email again, whoever the contact is. Keyed
// by the lower-cased address, as mailbox providers treat addresses case-insensitively.
import { createHash, createHmac } from "node:crypto";
import type { Prisma } from "../../generated/prisma/client.ts";

export type SuppressionReason = "hard_bounce" | "complaint" | "unsubscribed";

export function suppressionKey(email: string): string {
  return email.trim().toLowerCase();
}

const ERASED_PREFIX = "erased:";

/**
 * The key an erased contact's address keeps on the list: a keyed hash (HMAC-SHA256 with
 * ERASURE_HASH_SECRET), so the list no longer holds the address yet still recognises it when a new
 * contact brings it back. Without the secret the hash cannot be tested against guessed addresses.
 */
export function erasedAddressKey(secret: string, email: string): string {
  return ERASED_PREFIX + createHmac("sha256", secret).update(suppressionKey(email), "utf8").digest("hex");
}

const HMAC_BLOCK_BYTES = 64;

/**
 * The inner and outer padded keys of HMAC-SHA256 (RFC 2104), hex: PostgreSQL has sha256() but no HMAC,
 * so the send path's single query computes `sha256(outer || sha256(inner || address))` itself, which
 * equals erasedAddressKey's digest.
 */
export function erasedAddressPads(secret: string): { inner: string; outer: string } {
  let key = Buffer.from(secret, "utf8");
  if (key.length > HMAC_BLOCK_BYTES) key = createHash("sha256").update(key).digest();
  const block = Buffer.alloc(HMAC_BLOCK_BYTES);
  key.copy(block);
  const pad = (byte: number) => Buffer.from(block.map((value) => value ^ byte)).toString("hex");
  return { inner: pad(0x36), outer: pad(0x5c) };
}

/** Idempotent: an address already on the list keeps its first reason and detail. */
export async function suppressAddress(
  tx: Prisma.TransactionClient,
  email: string,
  reason: SuppressionReason,
  detail?: string,
): Promise<void> {
  const key = suppressionKey(email);
  await tx.suppression.upsert({
    where: { email: key },
    create: { email: key, reason, detail: detail?.slice(0, 500) ?? null },
    update: {},
  });
}
