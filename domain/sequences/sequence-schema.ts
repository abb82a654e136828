// The sequence language v1 (DESIGN.md §2a) as a zod schema: the one source of its validation, its
// TypeScript types and its OpenAPI document. Shape only; what needs the whole definition (unique ids,
// reachability, known templates) is checked in definition-check.ts. Workflows import only its types.
import { z } from "zod";
import { LIFECYCLE_STAGES } from "../lifecycle/stages.ts";
import { BEHAVIOURAL_SEGMENTS } from "../segments/segments.ts";
import type { Weekday } from "../time/local-time.ts";
import { parseDuration } from "./duration.ts";

const Duration = z
  .string()
  .refine((text) => parseDuration(text) !== null, {
    message: 'a duration such as "500ms", "10s", "30m", "2h", "3d" or "1w"',
  })
  .meta({ examples: ["2d"] });

const Stage = z.enum(LIFECYCLE_STAGES);
const Segment = z.enum(BEHAVIOURAL_SEGMENTS);
const EventType = z.string().regex(/^([a-z][a-z0-9_]*|custom\.[A-Za-z0-9_.-]+)$/, {
  message: "an event type such as email_clicked or custom.deal_opened",
});
const StepId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, {
  message: "letters, digits, '-', '_' or '.', at most 64 characters",
});
const PropertyValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const satisfies readonly Weekday[];

const CONDITION_KINDS = ["stage", "segment", "score", "property", "event", "all", "any", "not"] as const;

// One object with exactly one key rather than a union of eight shapes: a fault deep inside a
// condition is then named by its own path (entry.if.all.1.not.segment.in.0), not by the union's.
type PropertyValue = z.infer<typeof PropertyValue>;

/** Exactly one key is set. Written out because a recursive zod schema cannot infer its own type. */
export interface Condition {
  stage?: { in: Array<z.infer<typeof Stage>> };
  segment?: { in: Array<z.infer<typeof Segment>> };
  score?: { gte?: number; lte?: number };
  property?: { name: string; eq?: PropertyValue; in?: PropertyValue[]; exists?: boolean };
  event?: { type: string; within?: string; step?: string };
  all?: Condition[];
  any?: Condition[];
  not?: Condition;
}

export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z
    .strictObject({
      stage: z.strictObject({ in: z.array(Stage).min(1) }).optional(),
      segment: z.strictObject({ in: z.array(Segment).min(1) }).optional(),
      score: z
        .strictObject({ gte: z.number().optional(), lte: z.number().optional() })
        .refine((score) => score.gte !== undefined || score.lte !== undefined, {
          message: "gte, lte or both",
        })
        .optional(),
      property: z
        .strictObject({
          name: z.string().min(1),
          eq: PropertyValue.optional(),
          in: z.array(PropertyValue).min(1).optional(),
          exists: z.boolean().optional(),
        })
        .refine(
          (property) =>
            [property.eq, property.in, property.exists].filter((test) => test !== undefined).length === 1,
          { message: "exactly one of eq, in, exists" },
        )
        .optional(),
      /** An event the contact did: within a duration back from now, or one caused by an earlier email step. */
      event: z
        .strictObject({ type: EventType, within: Duration.optional(), step: StepId.optional() })
        .optional(),
      all: z.array(Condition).min(1).optional(),
      any: z.array(Condition).min(1).optional(),
      not: Condition.optional(),
    })
    .refine((condition) => CONDITION_KINDS.filter((kind) => condition[kind] !== undefined).length === 1, {
      message: `exactly one of ${CONDITION_KINDS.join(", ")}`,
    }),
);

const SendEmailStep = z.strictObject({
  id: StepId,
  type: z.literal("send_email"),
  template: z.string().min(1),
  /** Content the template shows (a guide, an incentive), fixed per version. */
  data: z.record(z.string(), z.unknown()).optional(),
  /** A marketing send deferred (caps, quiet hours, pause) longer than this is skipped as expired. */
  expireAfter: Duration.optional(),
});
const WaitStep = z.strictObject({ id: StepId, type: z.literal("wait"), duration: Duration });
const WaitUntilStep = z.strictObject({
  id: StepId,
  type: z.literal("wait_until"),
  time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'a time of day "HH:MM"' }),
  days: z.array(z.enum(DAYS)).min(1).optional(),
});
const UpdateContactStep = z
  .strictObject({
    id: StepId,
    type: z.literal("update_contact"),
    set: z
      .strictObject({
        stage: Stage.optional(),
        properties: z.record(z.string(), PropertyValue).optional(),
      })
      .optional(),
    addScore: z.number().optional(),
  })
  .refine((step) => step.set?.stage !== undefined || step.set?.properties !== undefined || step.addScore, {
    message: "set a stage or properties, or addScore",
  });
const WebhookStep = z.strictObject({
  id: StepId,
  type: z.literal("webhook"),
  url: z.url({ protocol: /^https?$/ }),
  /** Told to the receiver with the contact, e.g. "clicked the guide". */
  reason: z.string().max(200).optional(),
});
const ExitStep = z.strictObject({
  id: StepId,
  type: z.literal("exit"),
  reason: z.string().max(200).optional(),
});

export type SendEmailStep = z.infer<typeof SendEmailStep>;
export type WaitStep = z.infer<typeof WaitStep>;
export type WaitUntilStep = z.infer<typeof WaitUntilStep>;
export type UpdateContactStep = z.infer<typeof UpdateContactStep>;
export type WebhookStep = z.infer<typeof WebhookStep>;
export type ExitStep = z.infer<typeof ExitStep>;

const WaitForEventStep = z.strictObject({
  id: StepId,
  type: z.literal("wait_for_event"),
  /** step: only the event caused by that earlier email step (an open or a click of it) counts. */
  event: z.strictObject({ type: EventType, step: StepId.optional() }),
  timeout: Duration,
  // biome-ignore lint/suspicious/noThenProperty: "then" is the language's field name (DESIGN §2a).
  get then(): z.ZodOptional<z.ZodArray<typeof Step>> {
    return z.array(Step).optional();
  },
  get else(): z.ZodOptional<z.ZodArray<typeof Step>> {
    return z.array(Step).optional();
  },
});
const BranchStep = z.strictObject({
  id: StepId,
  type: z.literal("branch"),
  if: Condition,
  // biome-ignore lint/suspicious/noThenProperty: "then" is the language's field name (DESIGN §2a).
  get then(): z.ZodOptional<z.ZodArray<typeof Step>> {
    return z.array(Step).optional();
  },
  get else(): z.ZodOptional<z.ZodArray<typeof Step>> {
    return z.array(Step).optional();
  },
});

export const Step = z.discriminatedUnion("type", [
  SendEmailStep,
  WaitStep,
  WaitUntilStep,
  WaitForEventStep,
  BranchStep,
  UpdateContactStep,
  WebhookStep,
  ExitStep,
]);

export type WaitForEventStep = z.infer<typeof WaitForEventStep>;
export type BranchStep = z.infer<typeof BranchStep>;
export type SequenceStep = z.infer<typeof Step>;
export const STEP_TYPES: ReadonlyArray<SequenceStep["type"]> = [
  "send_email",
  "wait",
  "wait_until",
  "wait_for_event",
  "branch",
  "update_contact",
  "webhook",
  "exit",
];

export const SequenceTrigger = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("stage_entered"), stage: Stage }),
  z.strictObject({ type: z.literal("stage_left"), stage: Stage }),
  z.strictObject({ type: z.literal("segment_entered"), segment: Segment }),
  z.strictObject({ type: z.literal("segment_left"), segment: Segment }),
  /** entryKeyProperty names the event property that identifies the entry, e.g. cartId. */
  z.strictObject({
    type: z.literal("event"),
    eventType: EventType,
    entryKeyProperty: z.string().min(1).optional(),
  }),
]);

export const ReEntryPolicy = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("never") }),
  z.strictObject({ mode: z.literal("after_exit") }),
  z.strictObject({ mode: z.literal("cooldown"), cooldown: Duration }),
]);

/** A goal ends a run at once, even in the middle of a wait. */
export const SequenceGoal = z.discriminatedUnion("type", [
  /** At or beyond that stage in the funnel order. */
  z.strictObject({ type: z.literal("stage_reached"), stage: Stage }),
  z.strictObject({ type: z.literal("segment_entered"), segment: Segment }),
  /** sameEntry: only an event carrying the run's own entry key (e.g. the same cart id) counts. */
  z.strictObject({ type: z.literal("event"), eventType: EventType, sameEntry: z.boolean().optional() }),
]);

export const SequenceKey = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
  message: "lower-case letters, digits and '-', at most 63 characters",
});

export const SequenceDefinition = z.strictObject({
  key: SequenceKey,
  name: z.string().min(1).max(200),
  category: z.enum(["marketing", "transactional"]),
  trigger: SequenceTrigger,
  entry: z
    .strictObject({
      if: Condition.optional(),
      reEntry: ReEntryPolicy.default({ mode: "after_exit" }),
    })
    .default({ reEntry: { mode: "after_exit" } }),
  goals: z.array(SequenceGoal).default([]),
  steps: z.array(Step).min(1),
});

export type SequenceTrigger = z.infer<typeof SequenceTrigger>;
export type ReEntryPolicy = z.infer<typeof ReEntryPolicy>;
export type SequenceGoal = z.infer<typeof SequenceGoal>;
export type SequenceDefinition = z.infer<typeof SequenceDefinition>;
export type SequenceDefinitionInput = z.input<typeof SequenceDefinition>;
