// The marketer's rules (scoring, segment thresholds, stage rules), kept as Setting rows. A missing row
// means the built-in defaults; values are validated by the API before they are saved.

import type pg from "pg";
import { DEFAULT_STAGE_RULES, type StageRule } from "../../domain/lifecycle/stage-rules.ts";
import { DEFAULT_SCORING_RULES, type ScoringRules } from "../../domain/scoring/scoring-rules.ts";
import {
  DEFAULT_SEGMENT_THRESHOLDS,
  type SegmentThresholds,
} from "../../domain/segments/segment-thresholds.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { ContactStore } from "../../prisma/client.ts";

export interface RuleSettings {
  scoring: ScoringRules;
  segments: SegmentThresholds;
  stages: { rules: readonly StageRule[] };
}

export type RuleSettingKey = keyof RuleSettings;

const DEFAULTS: RuleSettings = {
  scoring: DEFAULT_SCORING_RULES,
  segments: DEFAULT_SEGMENT_THRESHOLDS,
  stages: { rules: DEFAULT_STAGE_RULES },
};

const settingKey = (key: RuleSettingKey) => `rules.${key}`;

type SettingReader = Pick<ContactStore, "setting"> | Pick<Prisma.TransactionClient, "setting">;

const SETTING_KEYS = Object.keys(DEFAULTS).map((key) => settingKey(key as RuleSettingKey));

function ruleSettingsOf(rows: ReadonlyArray<{ key: string; value: unknown }>): RuleSettings {
  const stored = new Map(rows.map((row) => [row.key, row.value]));
  const pick = <K extends RuleSettingKey>(key: K) =>
    (stored.get(settingKey(key)) as RuleSettings[K] | undefined) ?? DEFAULTS[key];
  return { scoring: pick("scoring"), segments: pick("segments"), stages: pick("stages") };
}

export async function loadRuleSettings(store: SettingReader): Promise<RuleSettings> {
  return ruleSettingsOf(await store.setting.findMany({ where: { key: { in: SETTING_KEYS } } }));
}

/** The same through the store's pg pool (or one of its connections, inside a transaction), for hot paths. */
export async function readRuleSettings(pool: pg.Pool | pg.PoolClient): Promise<RuleSettings> {
  const { rows } = await pool.query<{ key: string; value: unknown }>(
    `SELECT key, value FROM "Setting" WHERE key = ANY($1::text[])`,
    [SETTING_KEYS],
  );
  return ruleSettingsOf(rows);
}

export async function saveRuleSetting<K extends RuleSettingKey>(
  store: ContactStore,
  key: K,
  value: RuleSettings[K],
): Promise<void> {
  const json = value as unknown as Prisma.InputJsonValue;
  await store.setting.upsert({
    where: { key: settingKey(key) },
    create: { key: settingKey(key), value: json },
    update: { value: json },
  });
}
