// The sending rules in force: PUT /v1/sending/rules stores a Setting whose fields override the
// environment's (FREQUENCY_CAP, QUIET_HOURS, DEFAULT_TIME_ZONE) one by one; a field not stored keeps
// the environment's value. Values are validated by the API before they are saved.
import {
  formatSendingRules,
  parseSendingRules,
  type SendingRules,
  type SendingRulesField,
  type SendingRulesText,
} from "../../domain/sending/sending-rules.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { ContactStore } from "../../prisma/client.ts";

/** The Setting row that holds the API's override. */
export const SENDING_RULES_SETTING_KEY = "sending.rules";

type SettingAccess = Pick<ContactStore, "setting"> | Pick<Prisma.TransactionClient, "setting">;

export interface EffectiveSendingRules {
  rules: SendingRules;
  text: SendingRulesText;
  /** Which fields come from the API rather than the environment. */
  fromApi: SendingRulesField[];
}

function storedFields(value: unknown): Partial<SendingRulesText> {
  if (typeof value !== "object" || value === null) return {};
  const stored: Partial<SendingRulesText> = {};
  for (const field of ["frequencyCap", "quietHours", "defaultTimeZone"] as const) {
    const text = (value as Record<string, unknown>)[field];
    if (typeof text === "string") stored[field] = text;
  }
  return stored;
}

export async function loadSendingRules(
  store: SettingAccess,
  environment: SendingRules,
): Promise<EffectiveSendingRules> {
  const row = await store.setting.findUnique({ where: { key: SENDING_RULES_SETTING_KEY } });
  return sendingRulesOf(row?.value, environment);
}

/** The rules in force from the stored override's value (undefined: none stored). */
export function sendingRulesOf(storedValue: unknown, environment: SendingRules): EffectiveSendingRules {
  const stored = storedFields(storedValue);
  const text = { ...formatSendingRules(environment), ...stored };
  const parsed = parseSendingRules(text);
  // A stored value was validated when saved; should one still not parse, the environment's rules hold.
  if (!parsed.ok) return { rules: environment, text: formatSendingRules(environment), fromApi: [] };
  return { rules: parsed.value, text, fromApi: Object.keys(stored) as SendingRulesField[] };
}

/** Replaces the stored override: fields left out go back to the environment's value. */
export async function saveSendingRules(
  store: ContactStore,
  override: Partial<SendingRulesText>,
): Promise<void> {
  const value = override as Prisma.InputJsonValue;
  await store.setting.upsert({
    where: { key: SENDING_RULES_SETTING_KEY },
    create: { key: SENDING_RULES_SETTING_KEY, value },
    update: { value },
  });
}
