// An open or a click on a tracked email becomes an email_opened / email_clicked event of its contact,
// ingested like any other touchpoint (scoring, segments, the programs waiting for it), once per message
// for an open and once per message and link for a click. The send ledger keeps the first of each.
import { fnv1a128 } from "../../domain/email/message-id.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { EventRejectedError } from "../events/contact-resolution.ts";
import { ingestEvents } from "../events/ingest-events.ts";

export type Engagement = { kind: "open" } | { kind: "click"; url: string };

export type EngagementOutcome = "recorded" | "duplicate" | "unknown_message";

export async function recordEngagement(
  store: ContactStore,
  ledgerId: string,
  engagement: Engagement,
  now: Date = new Date(),
): Promise<EngagementOutcome> {
  if (!/^\d{1,19}$/.test(ledgerId)) return "unknown_message";
  const ledger = await store.sendLedger.findUnique({ where: { id: BigInt(ledgerId) } });
  if (!ledger) return "unknown_message";
  // A click proves an open too: clients that block images never load the pixel.
  await store.sendLedger.updateMany({
    where: { id: ledger.id, firstOpenedAt: null },
    data: { firstOpenedAt: now },
  });
  if (engagement.kind === "click") {
    await store.sendLedger.updateMany({
      where: { id: ledger.id, firstClickedAt: null },
      data: { firstClickedAt: now },
    });
  }
  const message = { messageId: ledger.messageId, templateKey: ledger.templateKey };
  const event =
    engagement.kind === "open"
      ? { type: "email_opened", properties: message, idempotencyKey: `email_opened/${ledger.messageId}` }
      : {
          type: "email_clicked",
          properties: { ...message, url: engagement.url },
          idempotencyKey: `email_clicked/${ledger.messageId}/${fnv1a128(engagement.url).toString(36)}`,
        };
  try {
    const result = await ingestEvents(
      store,
      [{ ...event, occurredAt: now, contact: { id: ledger.contactId } }],
      now,
    );
    return result.accepted > 0 ? "recorded" : "duplicate";
  } catch (error) {
    // The contact was deleted since the email went out.
    if (error instanceof EventRejectedError) return "unknown_message";
    throw error;
  }
}
