// The marketer's rules (scoring, segment thresholds, lifecycle stage rules) and score explanations.
// New rules apply to events from then on; points already earned keep the value they were given.
import { type Request, type Response, Router } from "express";
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
import {
  ScoreQuery,
  ScoringRulesBody,
  SegmentThresholdsBody,
  StageRulesBody,
} from "../schemas/scoring-schemas.ts";
import { parseOrThrow } from "../validation.ts";
import { contactIdOf } from "./contact-routes.ts";

const SETTINGS: ReadonlyArray<{ path: string; key: RuleSettingKey; schema: z.ZodType }> = [
  { path: "/scoring/rules", key: "scoring", schema: ScoringRulesBody },
  { path: "/segments/thresholds", key: "segments", schema: SegmentThresholdsBody },
  { path: "/lifecycle/rules", key: "stages", schema: StageRulesBody },
];

export function scoringRoutes(store: ContactStore): Router {
  const router = Router();

  for (const { path, key, schema } of SETTINGS) {
    router.get(path, async (_req: Request, res: Response) => {
      res.json((await loadRuleSettings(store))[key]);
    });
    router.put(path, async (req: Request, res: Response) => {
      const value = parseOrThrow(schema, req.body, key) as RuleSettings[typeof key];
      await saveRuleSetting(store, key, value);
      res.json(value);
    });
  }

  router.get("/contacts/:id/score", async (req, res) => {
    const contactId = contactIdOf(req.params);
    const { limit } = parseOrThrow(ScoreQuery, req.query, "query");
    const contact = await store.contact.findUnique({ where: { id: contactId }, select: { id: true } });
    if (!contact) throw notFound("contact");
    const { scoring } = await loadRuleSettings(store);
    res.json({ contactId, ...(await scoreReport(store, contactId, new Date(), scoring, limit)) });
  });

  return router;
}
