import type { ContactEvent } from "../events/event-types.ts";
import type { EventPointsRule, FitPointsRule, ScoringRules } from "./scoring-rules.ts";

/**
 * One reason a score has points; `rule` labels it for "what drives this score". Behaviour entries
 * decay from when they occurred; fit entries describe the contact as it is now and do not decay.
 */
export type ScoreEntry =
  | { kind: "behaviour"; rule: string; points: number; occurredAt: Date }
  | { kind: "fit"; rule: string; points: number };

export type BehaviourEntry = Extract<ScoreEntry, { kind: "behaviour" }>;

/** Labels read like the rule: "email_clicked", "page_view[path=/pricing]". */
function eventRuleLabel(rule: EventPointsRule): string {
  const conditions = Object.entries(rule.propertyEquals ?? {}).map(([key, value]) => `${key}=${value}`);
  return conditions.length === 0 ? rule.eventType : `${rule.eventType}[${conditions.join(",")}]`;
}

function fitRuleLabel(rule: FitPointsRule): string {
  return `${rule.property}=${rule.equals}`;
}

export function pointsForEvent(event: ContactEvent, rules: ScoringRules): BehaviourEntry[] {
  return rules.eventPoints
    .filter(
      (rule) =>
        rule.eventType === event.type &&
        Object.entries(rule.propertyEquals ?? {}).every(([key, value]) => event.properties[key] === value),
    )
    .map((rule) => ({
      kind: "behaviour",
      rule: eventRuleLabel(rule),
      points: rule.points,
      occurredAt: event.occurredAt,
    }));
}

export function fitEntries(properties: Record<string, unknown>, rules: ScoringRules): ScoreEntry[] {
  return rules.fitPoints
    .filter((rule) => properties[rule.property] === rule.equals)
    .map((rule) => ({ kind: "fit", rule: fitRuleLabel(rule), points: rule.points }));
}
