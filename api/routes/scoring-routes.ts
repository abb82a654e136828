// The marketer's rules (scoring, segment thresholds, lifecycle stage rules) and score explanations.
// New rules apply to events from then on; points already earned keep the value they were given.
import type { z } from "zod";
import { scoreReport } from "../../activities/scoring/contact-scores.ts";
import {
  loadRuleSettings,
  type RuleSettingKey,
  type RuleSettings,
  saveRuleSetting,
} from "../../activities/settings/rule-settings.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { notFound } from "../problem.ts";
import { defineRoute, type RouteDefinition } from "../route-definition.ts";
import { ContactIdParams } from "../schemas/contact-schemas.ts";
import {
  ScoreQuery,
  ScoringRulesBody,
  SegmentThresholdsBody,
  StageRulesBody,
} from "../schemas/scoring-schemas.ts";

const SETTINGS: ReadonlyArray<{ path: string; key: RuleSettingKey; schema: z.ZodType; what: string }> = [
  {
    path: "/v1/scoring/rules",
    key: "scoring",
    schema: ScoringRulesBody,
    what: "Lead scoring rules and MQL threshold",
  },
  {
    path: "/v1/segments/thresholds",
    key: "segments",
    schema: SegmentThresholdsBody,
    what: "Behavioural segment thresholds",
  },
  {
    path: "/v1/lifecycle/rules",
    key: "stages",
    schema: StageRulesBody,
    what: "Event-driven lifecycle stage rules",
  },
];

export function scoringRoutes(store: ContactStore): RouteDefinition[] {
  const tags = ["rules and scores"];
  const settings = SETTINGS.flatMap(({ path, key, schema, what }) => [
    defineRoute({
      method: "get",
      path,
      access: "read",
      tags,
      summary: `${what} in force`,
      responses: { 200: { description: what, schema } },
      handle: async ({ res }) => {
        res.json((await loadRuleSettings(store))[key]);
      },
    }),
    defineRoute({
      method: "put",
      path,
      access: "admin",
      tags,
      summary: `Replace the ${what.toLowerCase()} (applies to events from now on)`,
      body: schema,
      bodyName: key,
      responses: { 200: { description: "Saved", schema } },
      handle: async ({ body, res }) => {
        await saveRuleSetting(store, key, body as RuleSettings[typeof key]);
        res.json(body);
      },
    }),
  ]);
  return [
    ...settings,
    defineRoute({
      method: "get",
      path: "/v1/contacts/:id/score",
      access: "read",
      tags,
      summary: "The contact's lead score as of now and its top contributors",
      params: ContactIdParams,
      notFoundWhat: "contact",
      query: ScoreQuery,
      responses: { 200: { description: "Score and contributors" } },
      handle: async ({ params, query, res }) => {
        const contact = await store.contact.findUnique({ where: { id: params.id }, select: { id: true } });
        if (!contact) throw notFound("contact");
        const { scoring } = await loadRuleSettings(store);
        res.json({
          contactId: params.id,
          ...(await scoreReport(store, params.id, new Date(), scoring, query.limit)),
        });
      },
    }),
  ];
}
