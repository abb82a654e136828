// The second driver of the interpreter: a scripted clock and timeline instead of Temporal, the store
// and SMTP. It answers what a run would do, in order, and how it would end, applying the same sending
// rules (decideSend) as the real send reservation, to the sends of this run.
import type { LifecycleStage } from "../lifecycle/stages.ts";
import { decideSend } from "../sending/send-decision.ts";
import type { SendingRules } from "../sending/sending-rules.ts";
import type { ContactFacts } from "./conditions.ts";
import type { ContactChange } from "./contact-change.ts";
import {
  advance,
  type Fact,
  type JournalEntry,
  nextAction,
  type RunState,
  startRun,
  updatedContact,
} from "./interpreter.ts";
import { journalEntryView } from "./journal-view.ts";
import type { SequenceDefinition } from "./sequence-schema.ts";

export type TimelineEntry =
  | { at: number; event: { type: string; step?: string; properties?: Record<string, unknown> } }
  | { at: number; stage: LifecycleStage }
  | { at: number; segment: string };

export interface SimulationInput {
  contact: ContactFacts;
  start: number;
  timeline: readonly TimelineEntry[];
  horizonMs: number;
  /** The run's entry key (which cart, which order); defaults to the trigger's kind of key. */
  entryKey?: string;
}

export interface SimulationRules {
  sending: SendingRules;
  /** The subject line a template would have, for the plan; null when unknown. */
  subjectOf(template: string): string | null;
}

export interface PlannedStep extends Omit<JournalEntry, "at" | "until"> {
  at: string;
  until?: string;
  subject?: string;
}

export interface Simulation {
  steps: PlannedStep[];
  ending: { status: RunState["status"]; reason: string | null; at: string };
}

// Far above what any definition needs (every step can defer a bounded number of times): a bound
// that keeps a simulation finite whatever it is given.
const MAX_ACTIONS = 100_000;

function changeOf(entry: TimelineEntry, state: RunState): { change: ContactChange; step?: string } {
  const occurredAt = new Date(entry.at).toISOString();
  if ("event" in entry) {
    return {
      change: {
        kind: "event",
        eventType: entry.event.type,
        properties: entry.event.properties ?? {},
        occurredAt,
      },
      ...(entry.event.step !== undefined ? { step: entry.event.step } : {}),
    };
  }
  if ("stage" in entry)
    return { change: { kind: "stage_changed", from: state.contact.stage, to: entry.stage, occurredAt } };
  return { change: { kind: "segment_changed", from: state.contact.segment, to: entry.segment, occurredAt } };
}

export function simulate(
  definition: SequenceDefinition,
  input: SimulationInput,
  rules: SimulationRules,
): Simulation {
  const context = {
    entryKey: input.entryKey ?? "simulation",
    fallbackTimeZone: rules.sending.defaultTimeZone,
  };
  const horizon = input.start + input.horizonMs;
  const timeline = [...input.timeline].filter((entry) => entry.at <= horizon).sort((a, b) => a.at - b.at);
  const marketingSends: Date[] = [];
  let state = startRun(definition, context, input.contact, input.start);
  let next = 0;
  const tell = (fact: Fact) => {
    state = advance(definition, context, state, fact);
  };
  const replayUntil = (at: number) => {
    for (; next < timeline.length && (timeline[next]?.at ?? Number.POSITIVE_INFINITY) <= at; next++) {
      const entry = timeline[next];
      if (entry) tell({ kind: "change", at: entry.at, ...changeOf(entry, state) });
    }
  };

  for (let count = 0; count < MAX_ACTIONS && state.status === "running"; count++) {
    replayUntil(state.now);
    const action = nextAction(definition, state);
    const now = state.now;
    if (action.kind === "done") break;
    if (action.kind === "wait" || action.kind === "hold") {
      const upcoming = timeline[next]?.at ?? Number.POSITIVE_INFINITY;
      const wakeAt = action.kind === "wait" ? Math.min(action.until, upcoming) : upcoming;
      if (wakeAt > horizon) break;
      if (wakeAt === upcoming) replayUntil(upcoming);
      else tell({ kind: "time", at: wakeAt });
      continue;
    }
    if (action.kind === "send_email") {
      const decision = decideSend({
        now: new Date(now),
        category: action.category,
        timeZone: state.contact.timeZone,
        fallbackTimeZone: rules.sending.defaultTimeZone,
        recentMarketingSends: marketingSends,
        caps: rules.sending.frequencyCaps,
        quietHours: rules.sending.quietHours,
        firstDueAt: new Date(action.firstDueAt),
        ...(action.expiry ? { expiry: action.expiry } : {}),
      });
      if (decision.action === "send" && action.category === "marketing") marketingSends.push(new Date(now));
      tell({
        kind: "send_outcome",
        at: now,
        stepId: action.stepId,
        outcome:
          decision.action === "send"
            ? { status: "sent", messageId: `simulated/${action.stepId}` }
            : decision.action === "defer"
              ? { status: "deferred", until: decision.until.getTime(), reason: decision.reason }
              : { status: "expired", reason: decision.reason },
      });
    } else if (action.kind === "webhook") {
      tell({ kind: "webhook_outcome", at: now, stepId: action.stepId, delivered: true, detail: "simulated" });
    } else {
      tell({
        kind: "contact_updated",
        at: now,
        stepId: action.stepId,
        contact: updatedContact(state.contact, action),
      });
    }
  }

  const iso = (at: number) => new Date(at).toISOString();
  return {
    steps: state.journal.map((entry) => {
      const subject = entry.template && entry.outcome === "sent" ? rules.subjectOf(entry.template) : null;
      return { ...journalEntryView(entry), ...(subject ? { subject } : {}) };
    }),
    ending: {
      status: state.status,
      reason: state.status === "running" ? "still running at the horizon" : state.exitReason,
      at: iso(state.status === "running" ? horizon : state.now),
    },
  };
}
