// The suppression list: addresses that never get marketing email again, whoever the contact is. Keyed
// by the lower-cased address, as mailbox providers treat addresses case-insensitively.
import type { Prisma } from "../../generated/prisma/client.ts";

export type SuppressionReason = "hard_bounce" | "complaint" | "unsubscribed";

export function suppressionKey(email: string): string {
  return email.trim().toLowerCase();
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
