// The marketer's rules as the API accepts them: scoring, segment thresholds, lifecycle stage rules.
import { z } from "zod";
import { LIFECYCLE_STAGES } from "../../domain/lifecycle/stages.ts";

const eventType = z.string().min(1).max(100);
const propertyValue = z.union([z.string(), z.number(), z.boolean()]);
const points = z.number().min(-1000).max(1000);

export const ScoringRulesBody = z
  .object({
    eventPoints: z
      .array(
        z
          .object({
            eventType,
            points,
            propertyEquals: z.record(z.string().min(1).max(100), propertyValue).optional(),
          })
          .strict(),
      )
      .max(500),
    fitPoints: z
      .array(z.object({ property: z.string().min(1).max(100), equals: propertyValue, points }).strict())
      .max(500),
    halfLifeDays: z.number().positive().max(3650).nullable(),
    mqlThreshold: z.number().min(0).max(100_000),
  })
  .strict();

const days = z.number().positive().max(3650);

export const SegmentThresholdsBody = z
  .object({
    waitingWithinDays: days,
    atRiskAfterDays: days,
    lostAfterDays: days,
    repeatOrders: z.number().int().min(1).max(1000),
    repeatWindowDays: days,
    heroOrders: z.number().int().min(1).max(1000),
    heroRevenue: z.number().min(0),
    heroEngagedWithinDays: days,
  })
  .strict()
  .refine((t) => t.lostAfterDays > t.atRiskAfterDays, {
    path: ["lostAfterDays"],
    message: "must be greater than atRiskAfterDays",
  });

export const StageRulesBody = z
  .object({
    rules: z
      .array(
        z
          .object({
            on: eventType,
            to: z.enum(LIFECYCLE_STAGES),
            onlyFrom: z.array(z.enum(LIFECYCLE_STAGES)).min(1).optional(),
            forwardOnly: z.boolean(),
          })
          .strict(),
      )
      .max(100),
  })
  .strict();

export const ScoreQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(5) });
