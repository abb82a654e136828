// The sending-rules check before each sequence email, atomic per contact: under a transaction-scoped
// advisory lock on the contact it counts the contact's marketing sends reserved in the cap windows,
// applies decideSend (domain/sending/send-decision.ts) and, when it says send, records the decision,
// which is the reservation the next check counts. Two sequences sending to one contact in the same
// second therefore queue on the lock, and the second sees the first's reservation.
//
// Interface (register createSendDecisionActivities(deps) on the sequence worker):
//   applySendingRules(input: ApplySendingRulesInput): Promise<SendingRulesOutcome>
//   ApplySendingRulesInput = { contactId, enrollmentId, stepId, attempt, category, firstDueAt, expiry? }
//     attempt     0 the first time a step asks, +1 after each deferral (the record is idempotent per
//                 enrollment, step and attempt: a retried activity gets the decision already taken)
//     firstDueAt  ISO instant the step first became due (expiry counts from it)
//     expiry      the step's duration override ("3d" by default)
//   SendingRulesOutcome = { action: "send" } | { action: "defer"; until: ISO string; reason }
//                       | { action: "expire"; reason }
// The workflow sleeps until `until` and asks again with attempt + 1; on expire it skips the send.
import type { NurtureflowConfig } from "../../domain/config.ts";
import { decideSend, type SendCategory, type SendDecision } from "../../domain/sending/send-decision.ts";
import { durationMs } from "../../domain/sequences/duration.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { loadSendingRules } from "./sending-rules-store.ts";

export interface ApplySendingRulesInput {
  contactId: string;
  enrollmentId: string;
  stepId: string;
  attempt: number;
  category: SendCategory;
  /** ISO 8601. */
  firstDueAt: string;
  expiry?: string;
}

/** SendDecision with the instant as ISO text: activity results travel as JSON. */
export type SendingRulesOutcome =
  | { action: "send" }
  | { action: "defer"; until: string; reason: string }
  | { action: "expire"; reason: string };

export interface SendDecisionDependencies {
  store: ContactStore;
  config: Pick<NurtureflowConfig, "sendingRules">;
  /** The clock, read inside the transaction after the lock; tests pin it (or hold it to force a race). */
  now?: () => Date | Promise<Date>;
}

// The first key of pg_advisory_xact_lock(int, int): keeps these locks apart from any other user's.
const CONTACT_SEND_LOCK = 741_001;

interface DecisionRow {
  decision: string;
  reason: string | null;
  deferUntil: Date | null;
}

function outcomeOf(row: DecisionRow): SendingRulesOutcome {
  if (row.decision === "defer" && row.deferUntil) {
    return { action: "defer", until: row.deferUntil.toISOString(), reason: row.reason ?? "" };
  }
  if (row.decision === "expire") return { action: "expire", reason: row.reason ?? "" };
  return { action: "send" };
}

function rowOf(decision: SendDecision): DecisionRow {
  if (decision.action === "defer") {
    return { decision: "defer", reason: decision.reason, deferUntil: decision.until };
  }
  if (decision.action === "expire") return { decision: "expire", reason: decision.reason, deferUntil: null };
  return { decision: "send", reason: null, deferUntil: null };
}

export function createSendDecisionActivities(deps: SendDecisionDependencies) {
  const { store, config } = deps;
  const clock = deps.now ?? (() => new Date());

  return {
    async applySendingRules(input: ApplySendingRulesInput): Promise<SendingRulesOutcome> {
      return store.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CONTACT_SEND_LOCK}::int, hashtext(${input.contactId}))`;
        const key = { enrollmentId: input.enrollmentId, stepId: input.stepId, attempt: input.attempt };
        const taken = await tx.sendDecision.findUnique({ where: { enrollmentId_stepId_attempt: key } });
        if (taken) return outcomeOf(taken);

        const contact = await tx.contact.findUnique({
          where: { id: input.contactId },
          select: { timeZone: true },
        });
        // An erased contact has nobody to send to (and no row a decision could refer to).
        if (!contact) return { action: "expire", reason: "the contact no longer exists" };

        const { rules } = await loadSendingRules(tx, config.sendingRules);
        const now = await clock();
        const longestWindow = Math.max(0, ...rules.frequencyCaps.map((cap) => durationMs(cap.window)));
        const reservations =
          input.category === "marketing" && longestWindow > 0
            ? await tx.sendDecision.findMany({
                where: {
                  contactId: input.contactId,
                  category: "marketing",
                  decision: "send",
                  decidedAt: { gt: new Date(now.getTime() - longestWindow) },
                },
                select: { decidedAt: true },
              })
            : [];

        const decision = decideSend({
          now,
          category: input.category,
          timeZone: contact.timeZone,
          fallbackTimeZone: rules.defaultTimeZone,
          recentMarketingSends: reservations.map((reservation) => reservation.decidedAt),
          caps: rules.frequencyCaps,
          quietHours: rules.quietHours,
          firstDueAt: new Date(input.firstDueAt),
          ...(input.expiry ? { expiry: input.expiry } : {}),
        });
        const row = rowOf(decision);
        await tx.sendDecision.create({
          data: { ...key, contactId: input.contactId, category: input.category, decidedAt: now, ...row },
        });
        return outcomeOf(row);
      });
    },
  };
}

export type SendDecisionActivities = ReturnType<typeof createSendDecisionActivities>;
