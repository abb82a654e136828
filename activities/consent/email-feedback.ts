// Bounce and complaint reports from the mail provider (its webhooks): a bounced address is suppressed; a
// complaint (the recipient pressed "report spam") also unsubscribes the contact with that address.
import type { ContactStore } from "../../prisma/client.ts";
import { suppressAddress, suppressionKey } from "./suppression.ts";
import { unsubscribeInTransaction } from "./unsubscribe.ts";

export interface EmailFeedback {
  type: "bounce" | "complaint";
  email: string;
  reason?: string;
  occurredAt?: Date;
}

export interface FeedbackResult {
  suppressed: number;
  unsubscribed: number;
}

/** All reports in one transaction: a provider retrying a failed delivery re-sends the whole batch. */
export function recordEmailFeedback(
  store: ContactStore,
  reports: readonly EmailFeedback[],
  now: Date = new Date(),
): Promise<FeedbackResult> {
  return store.$transaction(async (tx) => {
    const result: FeedbackResult = { suppressed: 0, unsubscribed: 0 };
    for (const report of reports) {
      await suppressAddress(
        tx,
        report.email,
        report.type === "bounce" ? "hard_bounce" : "complaint",
        report.reason,
      );
      result.suppressed += 1;
      if (report.type !== "complaint") continue;
      const contact = await tx.contact.findUnique({
        where: { email: suppressionKey(report.email) },
        select: { id: true },
      });
      if (!contact) continue;
      const outcome = await unsubscribeInTransaction(tx, contact.id, report.occurredAt ?? now);
      if (outcome === "unsubscribed") result.unsubscribed += 1;
    }
    return result;
  });
}
