// The sending-rules check before each sequence email, atomic per contact: under a transaction-scoped
// advisory lock on the contact it counts the contact's marketing sends reserved in the cap windows,
// applies decideSend (domain/sending/send-decision.ts) and, when it says send, records the decision,
// which is the reservation the next check counts. Two sequences sending to one contact in the same
// second therefore queue on the lock, and the second sees the first's reservation.
//
// Interface (the email worker hands applySendingRules to the send activity, which applies it before a
// marketing send; the sequence worker registers it as an activity for runs recorded before that):
//   applySendingRules(input: ApplySendingRulesInput): Promise<SendingRulesOutcome>
//   ApplySendingRulesInput = { contactId, enrollmentId, stepId, attempt, category, firstDueAt, expiry? }
//     attempt     0 the first time a step asks, +1 after each deferral (the record is idempotent per
//                 enrollment, step and attempt: a retried activity gets the decision already taken)
//     firstDueAt  ISO instant the step first became due (expiry counts from it)
//     expiry      the step's duration override ("3d" by default)
//   SendingRulesOutcome = { action: "send" } | { action: "defer"; until: ISO string; reason }
//                       | { action: "expire"; reason }
// The run sleeps until `until` and asks again with attempt + 1; on expire it skips the send.
import type { NurtureflowConfig } from "../../domain/config.ts";
import { decideSend, type SendCategory, type SendDecision } from "../../domain/sending/send-decision.ts";
import { durationMs } from "../../domain/sequences/duration.ts";
import { type ContactStore, sqlTransaction } from "../../prisma/client.ts";
import { SENDING_RULES_SETTING_KEY, sendingRulesOf } from "./sending-rules-store.ts";

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

/** What the transaction reads once it holds the lock (instants as epoch milliseconds: pg reads `timestamp` as local time). */
interface FactsRow {
  taken: { decision: string; reason: string | null; deferUntilMs: number | null } | null;
  /** null: the contact no longer exists (the column is NOT NULL). */
  contactTimeZone: string | null;
  storedRules: unknown;
}

function decisionRowOf(taken: NonNullable<FactsRow["taken"]>): DecisionRow {
  const deferUntil = taken.deferUntilMs === null ? null : new Date(Number(taken.deferUntilMs));
  return { decision: taken.decision, reason: taken.reason, deferUntil };
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
      // Through pg rather than Prisma: this transaction is on every marketing send's path (BENCHMARKS.md).
      return sqlTransaction(store, async (tx) => {
        // Its own statement: a later one's snapshot then sees every decision committed before the lock.
        await tx.query("SELECT pg_advisory_xact_lock($1::int, hashtext($2))", [
          CONTACT_SEND_LOCK,
          input.contactId,
        ]);
        const { rows } = await tx.query<FactsRow>(
          `SELECT (SELECT json_build_object('decision', decision, 'reason', reason,
                    'deferUntilMs', extract(epoch FROM "deferUntil") * 1000)
                   FROM "SendDecision" WHERE "enrollmentId" = $1 AND "stepId" = $2 AND attempt = $3) AS taken,
                  (SELECT "timeZone" FROM "Contact" WHERE id = $4::uuid) AS "contactTimeZone",
                  (SELECT value FROM "Setting" WHERE key = $5) AS "storedRules"`,
          [input.enrollmentId, input.stepId, input.attempt, input.contactId, SENDING_RULES_SETTING_KEY],
        );
        const facts = rows[0];
        if (facts?.taken) return outcomeOf(decisionRowOf(facts.taken));
        // An erased contact has nobody to send to (and no row a decision could refer to).
        if (!facts || facts.contactTimeZone === null)
          return { action: "expire", reason: "the contact no longer exists" };

        const { rules } = sendingRulesOf(facts.storedRules ?? undefined, config.sendingRules);
        const now = await clock();
        const longestWindow = Math.max(0, ...rules.frequencyCaps.map((cap) => durationMs(cap.window)));
        const reservations =
          input.category === "marketing" && longestWindow > 0
            ? await tx.query<{ decidedAtMs: number }>(
                `SELECT extract(epoch FROM "decidedAt") * 1000 AS "decidedAtMs" FROM "SendDecision"
                  WHERE "contactId" = $1::uuid AND category = 'marketing' AND decision = 'send'
                    AND "decidedAt" > $2::timestamp`,
                [input.contactId, new Date(now.getTime() - longestWindow).toISOString()],
              )
            : { rows: [] };

        const decision = decideSend({
          now,
          category: input.category,
          timeZone: facts.contactTimeZone,
          fallbackTimeZone: rules.defaultTimeZone,
          recentMarketingSends: reservations.rows.map(
            (reservation) => new Date(Number(reservation.decidedAtMs)),
          ),
          caps: rules.frequencyCaps,
          quietHours: rules.quietHours,
          firstDueAt: new Date(input.firstDueAt),
          ...(input.expiry ? { expiry: input.expiry } : {}),
        });
        const row = rowOf(decision);
        await tx.query(
          `INSERT INTO "SendDecision"
             ("contactId", "enrollmentId", "stepId", attempt, category, decision, reason, "deferUntil", "decidedAt")
           VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8::timestamp, $9::timestamp)`,
          [
            input.contactId,
            input.enrollmentId,
            input.stepId,
            input.attempt,
            input.category,
            row.decision,
            row.reason,
            row.deferUntil?.toISOString() ?? null,
            now.toISOString(),
          ],
        );
        return outcomeOf(row);
      });
    },
  };
}

export type SendDecisionActivities = ReturnType<typeof createSendDecisionActivities>;
