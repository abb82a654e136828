// Conditions (entry `if`, `branch`) evaluated on what a run knows of its contact at that moment, with
// the reason in words, so a simulation and an enrollment can say why a branch was taken.
import type { LifecycleStage } from "../lifecycle/stages.ts";
import { durationMs } from "./duration.ts";
import type { Condition } from "./sequence-schema.ts";

export interface ContactFacts {
  stage: LifecycleStage;
  segment: string;
  score: number;
  properties: Record<string, unknown>;
  /** IANA zone; null: the configured fallback zone applies. */
  timeZone: string | null;
}

/** When the run last saw an event: by type, and by `type@step` for one caused by an email step. */
export type SeenEvents = Record<string, number>;

export function seenKey(type: string, step?: string): string {
  return step === undefined ? type : `${type}@${step}`;
}

export interface Verdict {
  holds: boolean;
  why: string;
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (a !== null && b !== null && typeof a !== "object" && String(a) === String(b));
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? "undefined";
}

export function evaluateCondition(
  condition: Condition,
  contact: ContactFacts,
  seen: SeenEvents,
  now: number,
): Verdict {
  const { stage, segment, score, property, event, all, any, not } = condition;
  if (stage) {
    const holds = stage.in.includes(contact.stage);
    return { holds, why: `stage ${contact.stage} ${holds ? "is" : "is not"} in ${stage.in.join(", ")}` };
  }
  if (segment) {
    const holds = segment.in.includes(contact.segment as (typeof segment.in)[number]);
    return {
      holds,
      why: `segment ${contact.segment} ${holds ? "is" : "is not"} in ${segment.in.join(", ")}`,
    };
  }
  if (score) {
    const holds =
      (score.gte === undefined || contact.score >= score.gte) &&
      (score.lte === undefined || contact.score <= score.lte);
    const bounds = [
      score.gte === undefined ? null : `≥ ${score.gte}`,
      score.lte === undefined ? null : `≤ ${score.lte}`,
    ].filter(Boolean);
    return { holds, why: `score ${contact.score} ${holds ? "is" : "is not"} ${bounds.join(" and ")}` };
  }
  if (property) {
    const value = contact.properties[property.name];
    const present = value !== undefined && value !== null;
    if (property.exists !== undefined) {
      const holds = present === property.exists;
      return { holds, why: `property ${property.name} ${present ? "is set" : "is not set"}` };
    }
    const allowed = property.in ?? [property.eq];
    const holds = present && allowed.some((candidate) => sameValue(value, candidate));
    return {
      holds,
      why: `property ${property.name} = ${show(value)} ${holds ? "matches" : "does not match"} ${allowed.map(show).join(", ")}`,
    };
  }
  if (event) {
    const at = seen[seenKey(event.type, event.step)];
    const what = event.step ? `${event.type} of step ${event.step}` : event.type;
    const window = event.within === undefined ? null : durationMs(event.within);
    const holds = at !== undefined && (window === null || now - at <= window);
    return {
      holds,
      why: holds
        ? `${what} seen`
        : at === undefined
          ? `no ${what} seen`
          : `no ${what} within ${event.within}`,
    };
  }
  if (all) {
    const verdicts = all.map((inner) => evaluateCondition(inner, contact, seen, now));
    const failed = verdicts.find((verdict) => !verdict.holds);
    return failed ?? { holds: true, why: verdicts.map((verdict) => verdict.why).join(" and ") };
  }
  if (any) {
    const verdicts = any.map((inner) => evaluateCondition(inner, contact, seen, now));
    const passed = verdicts.find((verdict) => verdict.holds);
    return passed ?? { holds: false, why: verdicts.map((verdict) => verdict.why).join(" and ") };
  }
  if (not) {
    const inner = evaluateCondition(not, contact, seen, now);
    return { holds: !inner.holds, why: inner.why };
  }
  // The schema admits no other shape; a stored definition that has one decides nothing.
  return { holds: false, why: "empty condition" };
}
