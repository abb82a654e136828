// The sending rules as an operator writes them (environment or PUT /v1/sending/rules) and as the
// decision uses them. The written form is kept as text ("2/1d,5/7d", "21:00-08:00", "Europe/Rome") so
// the API, the environment and the stored Setting read the same.
//
// Interface:
//   type SendingRulesText = { frequencyCap: string; quietHours: string; defaultTimeZone: string }
//   type SendingRules     = { frequencyCaps: FrequencyCap[]; quietHours: QuietHours | null; defaultTimeZone }
//   DEFAULT_SENDING_RULES_TEXT = { frequencyCap: "off", quietHours: "off", defaultTimeZone: "UTC" }
//   parseSendingRules(text) → { ok: true, value: SendingRules } | { ok: false, errors: { field, error }[] }
//   formatSendingRules(rules) → SendingRulesText
import { isValidTimeZone } from "../time/local-time.ts";
import { formatQuietHours, parseQuietHours, type QuietHours } from "../time/quiet-hours.ts";
import { type FrequencyCap, formatFrequencyCaps, parseFrequencyCaps } from "./frequency-cap.ts";

export interface SendingRulesText {
  /** "2/1d,5/7d" or "off". */
  frequencyCap: string;
  /** "21:00-08:00" or "off". */
  quietHours: string;
  /** IANA zone for contacts without a valid one of their own. */
  defaultTimeZone: string;
}

export interface SendingRules {
  frequencyCaps: FrequencyCap[];
  quietHours: QuietHours | null;
  defaultTimeZone: string;
}

export const DEFAULT_SENDING_RULES_TEXT: SendingRulesText = {
  frequencyCap: "off",
  quietHours: "off",
  defaultTimeZone: "UTC",
};

export type SendingRulesField = keyof SendingRulesText;

export type ParsedSendingRules =
  | { ok: true; value: SendingRules }
  | { ok: false; errors: { field: SendingRulesField; error: string }[] };

export function parseSendingRules(text: SendingRulesText): ParsedSendingRules {
  const errors: { field: SendingRulesField; error: string }[] = [];
  const caps = parseFrequencyCaps(text.frequencyCap);
  if (!caps.ok) errors.push({ field: "frequencyCap", error: caps.error });
  const quiet = parseQuietHours(text.quietHours);
  if (!quiet.ok) errors.push({ field: "quietHours", error: quiet.error });
  const defaultTimeZone = text.defaultTimeZone.trim();
  if (!isValidTimeZone(defaultTimeZone)) {
    errors.push({ field: "defaultTimeZone", error: `unknown time zone "${defaultTimeZone}" (an IANA name)` });
  }
  if (!caps.ok || !quiet.ok || errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { frequencyCaps: caps.value, quietHours: quiet.value, defaultTimeZone } };
}

export function formatSendingRules(rules: SendingRules): SendingRulesText {
  return {
    frequencyCap: formatFrequencyCaps(rules.frequencyCaps),
    quietHours: formatQuietHours(rules.quietHours),
    defaultTimeZone: rules.defaultTimeZone,
  };
}
