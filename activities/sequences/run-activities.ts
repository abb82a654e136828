// What the sequence workflow asks of the contact store besides sending: the contact's current facts
// (read at run start and when each wait begins, with the sequence's status), and the contact change of
// an update_contact step. Both idempotent: a retried update finds its work done.
import { isLifecycleStage, type LifecycleStage } from "../../domain/lifecycle/stages.ts";
import type { ContactFacts } from "../../domain/sequences/conditions.ts";
import { resolveTimeZone } from "../../domain/time/local-time.ts";
import { type ContactStore, sqlPool } from "../../prisma/client.ts";
import { rawTransaction } from "../../prisma/raw-statements.ts";
import { changeStageInTransaction } from "../contacts/stage-change.ts";
import { scoreEvents } from "../scoring/contact-scores.ts";
import { readRuleSettings } from "../settings/rule-settings.ts";

export type SequenceStatus = "active" | "paused" | "archived";

export interface RunFacts {
  /** null: the contact no longer exists. */
  contact: ContactFacts | null;
  sequenceStatus: SequenceStatus;
}

export interface UpdateContactInput {
  contactId: string;
  enrollmentId: string;
  stepId: string;
  set: { stage?: LifecycleStage; properties?: Record<string, unknown> };
  addScore: number;
}

type ContactRow = {
  lifecycleStage: string;
  segment: string;
  score: number;
  properties: unknown;
  timeZone: string;
};

function factsOf(row: ContactRow, fallbackTimeZone: string): ContactFacts {
  return {
    stage: isLifecycleStage(row.lifecycleStage) ? row.lifecycleStage : "subscriber",
    segment: row.segment,
    score: row.score,
    properties: (row.properties ?? {}) as Record<string, unknown>,
    timeZone: resolveTimeZone(row.timeZone, fallbackTimeZone),
  };
}

export function createSequenceRunActivities(store: ContactStore, fallbackTimeZone: string) {
  return {
    async readRunFacts(input: { contactId: string; sequenceKey: string }): Promise<RunFacts> {
      // One statement through pg: every run reads this at its start and when each wait begins.
      const { rows } = await sqlPool(store).query<{ contact: ContactRow | null; status: string | null }>(
        `SELECT (SELECT json_build_object('lifecycleStage', "lifecycleStage", 'segment', segment,
                   'score', score, 'properties', properties, 'timeZone', "timeZone")
                 FROM "Contact" WHERE id = $1::uuid) AS contact,
                (SELECT status FROM "Sequence" WHERE key = $2) AS status`,
        [input.contactId, input.sequenceKey],
      );
      const { contact, status } = rows[0] ?? { contact: null, status: null };
      return {
        contact: contact ? factsOf(contact, fallbackTimeZone) : null,
        sequenceStatus: status === "paused" || status === "archived" ? status : "active",
      };
    },

    async updateContactFromStep(input: UpdateContactInput): Promise<ContactFacts | null> {
      const reason = `sequence step ${input.stepId}`;
      // On a pg connection, as the stage route's transaction (BENCHMARKS.md, "Engine: sixth round").
      return rawTransaction(store, async (tx, client) => {
        const exists = await tx.$queryRaw<
          unknown[]
        >`SELECT 1 FROM "Contact" WHERE id = ${input.contactId}::uuid`;
        if (exists.length === 0) return null;
        if (input.set.stage) {
          // A stage already reached is left as it is, so a retry writes no second history row.
          await changeStageInTransaction(tx, {
            contactId: input.contactId,
            to: input.set.stage,
            reason,
            source: "workflow",
          });
        }
        if (input.set.properties) {
          await tx.$executeRaw`
            UPDATE "Contact" SET properties = properties || ${JSON.stringify(input.set.properties)}::jsonb,
              "updatedAt" = now() WHERE id = ${input.contactId}::uuid`;
        }
        if (input.addScore !== 0) {
          // The points are keyed by enrollment and step: a retried activity finds them recorded.
          const rule = `sequence:${input.enrollmentId}#${input.stepId}`;
          const now = new Date();
          const recorded = await tx.$executeRaw`
            INSERT INTO "ScoreContribution" ("contactId", rule, points, "occurredAt")
            SELECT ${input.contactId}::uuid, ${rule}, ${input.addScore}::float8, ${now}::timestamp
            WHERE NOT EXISTS (
              SELECT 1 FROM "ScoreContribution" WHERE "contactId" = ${input.contactId}::uuid AND rule = ${rule})`;
          if (recorded > 0) {
            const { scoring } = await readRuleSettings(client);
            await scoreEvents(tx, [input.contactId], [], now, scoring, new Set([input.contactId]));
          }
        }
        const [row] = await tx.$queryRaw<ContactRow[]>`
          SELECT "lifecycleStage", segment, score, properties, "timeZone" FROM "Contact"
          WHERE id = ${input.contactId}::uuid`;
        return row ? factsOf(row, fallbackTimeZone) : null;
      });
    },
  };
}

export type SequenceRunActivities = ReturnType<typeof createSequenceRunActivities>;
