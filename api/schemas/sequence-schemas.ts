// Request and response shapes of /v1/sequences and /v1/enrollments. The definition itself is the
// language's own schema (domain/sequences/sequence-schema.ts).
import { z } from "zod";
import { LIFECYCLE_STAGES } from "../../domain/lifecycle/stages.ts";
import { BEHAVIOURAL_SEGMENTS } from "../../domain/segments/segments.ts";
import { parseDuration } from "../../domain/sequences/duration.ts";
import { SequenceDefinition, SequenceKey } from "../../domain/sequences/sequence-schema.ts";

export const SequenceKeyParams = z.object({ key: SequenceKey });
export const EnrollmentIdParams = z.object({ id: z.string().min(1).max(500) });

const Duration = z.string().refine((text) => parseDuration(text) !== null, {
  message: 'a duration such as "10s", "2h", "3d"',
});

/** A sequence definition as POST /v1/sequences takes it, with the example /docs shows. */
export const SequenceBody = SequenceDefinition.meta({
  examples: [
    {
      key: "mql-guides",
      name: "Guides for new MQLs",
      category: "marketing",
      trigger: { type: "stage_entered", stage: "mql" },
      goals: [{ type: "stage_reached", stage: "sql" }],
      steps: [
        { id: "guide", type: "send_email", template: "nurture-mql" },
        { id: "pause", type: "wait", duration: "2d" },
        { id: "reminder", type: "send_email", template: "nurture-mql" },
      ],
    },
  ],
});

export const ActivateBody = z.strictObject({ version: z.int().positive().optional() });

export const SequenceSummaryView = z.object({
  key: z.string(),
  name: z.string(),
  status: z.enum(["draft", "active", "paused", "archived"]),
  liveVersion: z.int().nullable(),
  latestVersion: z.int(),
  builtIn: z.boolean(),
});

export const SequenceDetailView = SequenceSummaryView.extend({
  versions: z.array(z.object({ version: z.int(), createdAt: z.string(), definition: z.unknown() })),
});

export const SimulateBody = z
  .strictObject({
    version: z.int().positive().optional(),
    contact: z.strictObject({
      stage: z.enum(LIFECYCLE_STAGES).default("subscriber"),
      segment: z.enum(BEHAVIOURAL_SEGMENTS).default("new"),
      score: z.number().default(0),
      properties: z.record(z.string(), z.unknown()).default({}),
      timeZone: z.string().nullable().default(null),
    }),
    start: z.iso.datetime({ offset: true }).optional(),
    /** The run's entry key, e.g. "cartId/c-1": a goal with sameEntry counts only events carrying it. */
    entryKey: z.string().min(1).max(500).optional(),
    timeline: z
      .array(
        z.union([
          z.strictObject({
            after: Duration,
            event: z.strictObject({
              type: z.string().min(1),
              step: z.string().optional(),
              properties: z.record(z.string(), z.unknown()).optional(),
            }),
          }),
          z.strictObject({ after: Duration, stage: z.enum(LIFECYCLE_STAGES) }),
          z.strictObject({ after: Duration, segment: z.enum(BEHAVIOURAL_SEGMENTS) }),
        ]),
      )
      .max(1_000)
      .default([]),
    horizon: Duration.default("90d"),
  })
  .meta({
    examples: [
      {
        contact: { stage: "mql", score: 10, properties: { country: "IT" } },
        timeline: [
          { after: "5h", event: { type: "email_clicked", step: "guide" } },
          { after: "1d", stage: "sql" },
        ],
      },
    ],
  });

export const SimulationView = z.object({
  sequence: z.string(),
  version: z.int(),
  steps: z.array(
    z.object({
      at: z.string(),
      stepId: z.string().nullable(),
      type: z.string(),
      outcome: z.string(),
      template: z.string().optional(),
      subject: z.string().optional(),
      until: z.string().optional(),
      reason: z.string().optional(),
    }),
  ),
  ending: z.object({ status: z.string(), reason: z.string().nullable(), at: z.string() }),
});

export const EnrollmentQuery = z.object({
  contactId: z.uuid().optional(),
  sequence: SequenceKey.optional(),
  status: z.enum(["running", "completed", "exited", "skipped"]).optional(),
});

export const EnrollmentView = z.object({
  id: z.string(),
  sequence: z.string(),
  version: z.int(),
  contactId: z.string(),
  entryKey: z.string(),
  status: z.string(),
  exitReason: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  workflowId: z.string(),
  temporalUiUrl: z.string(),
});

export const EnrollmentDetailView = EnrollmentView.extend({
  currentStep: z.string().nullable(),
  next: z.object({ action: z.string(), at: z.string().nullable() }).nullable(),
  steps: z.array(z.record(z.string(), z.unknown())),
});
