// /v1/metrics: journey analytics over a period (domain/analytics says what every number counts).
import { customerMetrics } from "../../activities/analytics/customer-metrics.ts";
import { funnelMetrics } from "../../activities/analytics/funnel-metrics.ts";
import { scoringMetrics } from "../../activities/analytics/scoring-metrics.ts";
import { sequenceMetrics } from "../../activities/analytics/sequence-metrics.ts";
import type { ReportPeriod } from "../../domain/analytics/report-period.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { defineRoute, type RouteDefinition } from "../route-definition.ts";
import { MetricsQuery, periodView } from "../schemas/metrics-schemas.ts";

const METRICS: ReadonlyArray<{
  name: string;
  summary: string;
  description: string;
  compute: (store: ContactStore, period: ReportPeriod) => Promise<object>;
}> = [
  {
    name: "funnel",
    summary: "Lifecycle funnel: stage counts, entries, conversion and time to convert, backward moves",
    description:
      "Stage visits that began in the period, each ending with the contact's next stage change before the period's end: a move to a higher stage is a conversion, a move to a lower one a fall-back.",
    compute: async (store, period) => funnelMetrics(store, period),
  },
  {
    name: "sequences",
    summary: "Program effectiveness per sequence version and email step",
    description:
      "Runs started in the period with their outcome at its end; emails attempted in the period; unsubscribes credited to the last email sent before them.",
    compute: async (store, period) => ({ sequences: await sequenceMetrics(store, period) }),
  },
  {
    name: "scoring",
    summary: "Score drivers of the contacts who became MQL in the period, and MQLs by source",
    description:
      "Behaviour points as earned (before decay) up to each contact's first MQL entry in the period.",
    compute: async (store, period) => scoringMetrics(store, period),
  },
  {
    name: "customers",
    summary: "Revenue by segment, repeat purchase, first vs existing, attribution, CLV, segment sizes",
    description:
      "Segments are the contacts' current segments. CLV is historical revenue per customer to date. An order is credited to cart recovery when its cart's recovery run had sent an email before it, else to post-purchase when a post-purchase email from an earlier order was sent in the 30 days before it.",
    compute: async (store, period) => customerMetrics(store, period),
  },
];

export function metricsRoutes(store: ContactStore): RouteDefinition[] {
  return METRICS.map(({ name, summary, description, compute }) =>
    defineRoute({
      method: "get",
      path: `/v1/metrics/${name}`,
      access: "read",
      tags: ["metrics"],
      summary,
      description,
      query: MetricsQuery,
      responses: { 200: { description: `the ${name} metrics with the period they cover` } },
      handle: async ({ query, res }) => {
        res.json({ period: periodView(query), ...(await compute(store, query)) });
      },
    }),
  );
}
