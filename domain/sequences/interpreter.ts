// The one meaning of a sequence definition. Given the definition, where a run is and the facts it is
// told (time, contact state, events, the outcome of each effect), it says what to do next. Pure and
// deterministic: the Temporal workflow drives it with timers, signals and activities, the simulator
// with a scripted clock, so both agree step for step. Its state is plain JSON (continue-as-new, queries).
import { type LifecycleStage, stageRank } from "../lifecycle/stages.ts";
import { nextLocalTime, resolveTimeZone } from "../time/local-time.ts";
import { type ContactFacts, evaluateCondition, type SeenEvents, seenKey } from "./conditions.ts";
import type { ContactChange } from "./contact-change.ts";
import { durationMs } from "./duration.ts";
import { programOf } from "./program.ts";
import type { SequenceDefinition, SequenceStep } from "./sequence-schema.ts";
import { eventMatchesEntry } from "./triggers.ts";

export type { ContactFacts } from "./conditions.ts";

export interface RunContext {
  entryKey: string;
  /** The zone of `wait_until` for contacts without one. */
  fallbackTimeZone: string;
}

export type RunStatus = "running" | "completed" | "exited" | "skipped";

/** One line of what a run did, in order: the simulator's plan and the enrollment's steps. */
export interface JournalEntry {
  at: number;
  stepId: string | null;
  /** The step type, or "entry" / "goal" / "exit" for what ends or skips a run outside a step. */
  type: SequenceStep["type"] | "entry" | "goal" | "run";
  outcome: string;
  template?: string;
  /** When a wait ends or a deferred send is tried again. */
  until?: number;
  /** Why: a branch's condition, a deferral's rule, an exit's reason. */
  reason?: string;
}

/** The step the run is in the middle of: a wait that began, or an effect that is due. */
export interface StepProgress {
  stepId: string;
  since: number;
  until?: number;
  /** For a send: when it first became due (expiry counts from here). */
  dueSince?: number;
  /** For a send: how often the sending rules deferred it so far. */
  deferrals?: number;
  /** wait_for_event: the awaited event happened. */
  matched?: boolean;
}

export interface RunState {
  pc: number;
  now: number;
  startedAt: number;
  contact: ContactFacts;
  progress: StepProgress | null;
  /** Email steps already sent, with their Message-ID (an open or click names its step by it). */
  sent: Record<string, { at: number; messageId: string | null }>;
  seen: SeenEvents;
  paused: boolean;
  status: RunStatus;
  exitReason: string | null;
  journal: JournalEntry[];
}

export type SendOutcome =
  | { status: "sent" | "already_sent"; messageId?: string | null }
  | { status: "deferred"; until: number; reason: string }
  | { status: "expired" | "suppressed" | "skipped"; reason: string }
  | { status: "bounced" }
  | { status: "failed"; reason: string };

export type Fact =
  | { kind: "time"; at: number }
  | { kind: "contact"; at: number; contact: ContactFacts }
  /** step: which email step an open or a click answers, when the driver knows it. */
  | { kind: "change"; at: number; change: ContactChange; step?: string }
  | { kind: "send_outcome"; at: number; stepId: string; outcome: SendOutcome }
  | { kind: "webhook_outcome"; at: number; stepId: string; delivered: boolean; detail: string }
  | { kind: "contact_updated"; at: number; stepId: string; contact: ContactFacts }
  | { kind: "sequence_status"; at: number; status: "active" | "paused" | "archived" }
  | { kind: "cancelled"; at: number; reason: string };

export type NextAction =
  | {
      kind: "wait";
      stepId: string;
      /** When this wait began: a driver re-checks the contact once per wait. */
      since: number;
      until: number;
      /** What ends it early besides a goal: an event type, or a deferred send's retry. */
      awaiting: "time" | "event" | "deferred_send";
    }
  /** The sequence is paused: nothing happens until it is resumed or archived. */
  | { kind: "hold"; stepId: string }
  | {
      kind: "send_email";
      stepId: string;
      template: string;
      data: Record<string, unknown>;
      /** When the step first became due: a marketing send deferred past `expiry` from here expires. */
      firstDueAt: number;
      /** The step's own expiry duration; absent: the sending rules' default. */
      expiry?: string;
      category: SequenceDefinition["category"];
      /** 0 the first time the step asks the sending rules, +1 after each deferral. */
      attempt: number;
    }
  | { kind: "webhook"; stepId: string; url: string; reason: string }
  | {
      kind: "update_contact";
      stepId: string;
      set: { stage?: LifecycleStage; properties?: Record<string, unknown> };
      addScore: number;
    }
  | { kind: "done"; status: Exclude<RunStatus, "running">; reason: string | null };

const SETTLE_LIMIT = 10_000;

function end(state: RunState, status: Exclude<RunStatus, "running">, reason: string | null): void {
  if (state.status !== "running") return;
  state.status = status;
  state.exitReason = reason;
  state.progress = null;
}

function record(state: RunState, entry: Omit<JournalEntry, "at">): void {
  state.journal.push({ at: state.now, ...entry });
}

function contactGoal(definition: SequenceDefinition, contact: ContactFacts): string | null {
  for (const goal of definition.goals) {
    if (goal.type === "stage_reached" && stageRank(contact.stage) >= stageRank(goal.stage)) {
      return `goal: stage ${goal.stage} reached`;
    }
    if (goal.type === "segment_entered" && contact.segment === goal.segment) {
      return `goal: segment ${goal.segment} entered`;
    }
  }
  return null;
}

function eventGoal(
  definition: SequenceDefinition,
  change: Extract<ContactChange, { kind: "event" }>,
  context: RunContext,
): string | null {
  for (const goal of definition.goals) {
    if (goal.type !== "event" || goal.eventType !== change.eventType) continue;
    if (!goal.sameEntry || eventMatchesEntry(change.properties, context.entryKey))
      return `goal: ${goal.eventType}`;
  }
  return null;
}

function waitUntil(step: SequenceStep, state: RunState, context: RunContext): number | null {
  if (step.type === "wait") return state.now + durationMs(step.duration);
  if (step.type === "wait_for_event") return state.now + durationMs(step.timeout);
  if (step.type === "wait_until") {
    const zone = resolveTimeZone(state.contact.timeZone, context.fallbackTimeZone);
    return nextLocalTime(new Date(state.now), zone, step.time, step.days).getTime();
  }
  return null;
}

/** Runs every step that needs no driver (branches, exits, waits that are over) until one does. */
function settle(definition: SequenceDefinition, state: RunState, context: RunContext): void {
  const program = programOf(definition);
  for (let guard = 0; guard < SETTLE_LIMIT && state.status === "running"; guard++) {
    const goal = contactGoal(definition, state.contact);
    if (goal) {
      record(state, { stepId: null, type: "goal", outcome: "exited", reason: goal });
      end(state, "exited", goal);
      return;
    }
    const instruction = program[state.pc];
    if (!instruction) {
      record(state, { stepId: null, type: "run", outcome: "completed" });
      end(state, "completed", null);
      return;
    }
    if (instruction.op === "jump") {
      state.pc = instruction.to;
      continue;
    }
    const { step } = instruction;
    const next = (pc: number) => {
      state.pc = pc;
      state.progress = null;
    };
    switch (step.type) {
      case "exit": {
        const reason = step.reason ?? `exit step ${step.id}`;
        record(state, { stepId: step.id, type: "exit", outcome: "exited", reason });
        end(state, "exited", reason);
        return;
      }
      case "branch": {
        const verdict = evaluateCondition(step.if, state.contact, state.seen, state.now);
        const taken = verdict.holds ? "then" : "else";
        record(state, { stepId: step.id, type: "branch", outcome: taken, reason: verdict.why });
        next(verdict.holds ? (instruction.thenAt ?? state.pc + 1) : (instruction.elseAt ?? state.pc + 1));
        continue;
      }
      case "wait":
      case "wait_until":
      case "wait_for_event": {
        if (!state.progress) {
          const until = waitUntil(step, state, context) ?? state.now;
          state.progress = { stepId: step.id, since: state.now, until };
          // An email step's open or click that came before the wait began still answers it.
          if (step.type === "wait_for_event" && step.event.step !== undefined) {
            state.progress.matched = state.seen[seenKey(step.event.type, step.event.step)] !== undefined;
          }
          record(state, { stepId: step.id, type: step.type, outcome: "waiting", until });
        }
        const progress = state.progress;
        if (step.type === "wait_for_event" && progress.matched) {
          record(state, {
            stepId: step.id,
            type: step.type,
            outcome: "then",
            reason: `${step.event.type} seen`,
          });
          next(instruction.thenAt ?? state.pc + 1);
          continue;
        }
        if (state.now < (progress.until ?? state.now)) return;
        if (step.type === "wait_for_event") {
          record(state, {
            stepId: step.id,
            type: step.type,
            outcome: "else",
            reason: `timed out after ${step.timeout}`,
          });
          next(instruction.elseAt ?? state.pc + 1);
        } else {
          next(state.pc + 1);
        }
        continue;
      }
      case "send_email":
        // Never twice: a step already sent (a redelivered outcome, a replayed position) moves on.
        if (state.sent[step.id]) {
          next(state.pc + 1);
          continue;
        }
        state.progress ??= { stepId: step.id, since: state.now, dueSince: state.now };
        return;
      default:
        state.progress ??= { stepId: step.id, since: state.now };
        return;
    }
  }
}

function currentStep(definition: SequenceDefinition, state: RunState): SequenceStep | null {
  const instruction = programOf(definition)[state.pc];
  return instruction?.op === "step" ? instruction.step : null;
}

/** A new run: the entry condition decides whether it runs at all. */
export function startRun(
  definition: SequenceDefinition,
  context: RunContext,
  contact: ContactFacts,
  at: number,
): RunState {
  const state: RunState = {
    pc: 0,
    now: at,
    startedAt: at,
    contact,
    progress: null,
    sent: {},
    seen: {},
    paused: false,
    status: "running",
    exitReason: null,
    journal: [],
  };
  const condition = definition.entry.if;
  if (condition) {
    const verdict = evaluateCondition(condition, contact, state.seen, at);
    if (!verdict.holds) {
      record(state, { stepId: null, type: "entry", outcome: "skipped", reason: verdict.why });
      end(state, "skipped", `entry condition not met: ${verdict.why}`);
      return state;
    }
  }
  settle(definition, state, context);
  return state;
}

function applyChange(
  definition: SequenceDefinition,
  state: RunState,
  context: RunContext,
  fact: Extract<Fact, { kind: "change" }>,
): void {
  const { change } = fact;
  switch (change.kind) {
    case "stage_changed":
      state.contact = { ...state.contact, stage: change.to };
      return;
    case "segment_changed":
      state.contact = { ...state.contact, segment: change.to };
      return;
    case "unsubscribed":
      if (definition.category === "marketing") {
        record(state, { stepId: null, type: "goal", outcome: "exited", reason: "unsubscribed" });
        end(state, "exited", "unsubscribed");
      }
      return;
    case "event": {
      const messageId = change.properties.messageId;
      const step =
        fact.step ??
        Object.entries(state.sent).find(
          ([, sent]) => sent.messageId !== null && sent.messageId === messageId,
        )?.[0];
      state.seen[seenKey(change.eventType)] = fact.at;
      if (step !== undefined) state.seen[seenKey(change.eventType, step)] = fact.at;
      const goal = eventGoal(definition, change, context);
      if (goal) {
        record(state, { stepId: null, type: "goal", outcome: "exited", reason: goal });
        end(state, "exited", goal);
        return;
      }
      const current = currentStep(definition, state);
      if (
        current?.type === "wait_for_event" &&
        state.progress?.stepId === current.id &&
        current.event.type === change.eventType &&
        (current.event.step === undefined || current.event.step === step)
      ) {
        state.progress.matched = true;
      }
      return;
    }
  }
}

function applyOutcome(definition: SequenceDefinition, state: RunState, fact: Fact): void {
  const current = currentStep(definition, state);
  if (!("stepId" in fact) || current?.id !== fact.stepId || !state.progress) return;
  const moveOn = () => {
    state.pc += 1;
    state.progress = null;
  };
  if (fact.kind === "send_outcome" && current.type === "send_email") {
    const { outcome } = fact;
    switch (outcome.status) {
      case "sent":
      case "already_sent":
        state.sent[current.id] = { at: fact.at, messageId: outcome.messageId ?? null };
        record(state, {
          stepId: current.id,
          type: "send_email",
          outcome: "sent",
          template: current.template,
        });
        moveOn();
        return;
      case "deferred":
        state.progress.until = outcome.until;
        state.progress.deferrals = (state.progress.deferrals ?? 0) + 1;
        record(state, {
          stepId: current.id,
          type: "send_email",
          outcome: "deferred",
          template: current.template,
          until: outcome.until,
          reason: outcome.reason,
        });
        return;
      case "expired":
      case "suppressed":
      case "skipped":
        record(state, {
          stepId: current.id,
          type: "send_email",
          outcome: outcome.status,
          template: current.template,
          reason: outcome.reason,
        });
        moveOn();
        return;
      case "bounced":
        record(state, {
          stepId: current.id,
          type: "send_email",
          outcome: "bounced",
          template: current.template,
        });
        end(state, "exited", "hard bounce");
        return;
      case "failed":
        record(state, { stepId: current.id, type: "send_email", outcome: "failed", reason: outcome.reason });
        end(state, "exited", `step ${current.id} failed: ${outcome.reason}`);
        return;
    }
  }
  if (fact.kind === "webhook_outcome" && current.type === "webhook") {
    record(state, {
      stepId: current.id,
      type: "webhook",
      outcome: fact.delivered ? "delivered" : "failed",
      reason: fact.detail,
    });
    moveOn();
    return;
  }
  if (fact.kind === "contact_updated" && current.type === "update_contact") {
    state.contact = fact.contact;
    record(state, { stepId: current.id, type: "update_contact", outcome: "updated" });
    moveOn();
    return;
  }
}

/** Tells the run one fact; returns its next state (the given one is left as it was). */
export function advance(
  definition: SequenceDefinition,
  context: RunContext,
  previous: RunState,
  fact: Fact,
): RunState {
  if (previous.status !== "running") return previous;
  const state: RunState = JSON.parse(JSON.stringify(previous));
  // Facts never move a run's clock backwards (a late signal carries an older time).
  state.now = Math.max(state.now, fact.at);
  switch (fact.kind) {
    case "time":
      break;
    case "contact":
      state.contact = fact.contact;
      break;
    case "change":
      applyChange(definition, state, context, fact);
      break;
    case "sequence_status":
      state.paused = fact.status === "paused";
      if (fact.status === "archived") {
        record(state, { stepId: null, type: "run", outcome: "exited", reason: "sequence archived" });
        end(state, "exited", "sequence archived");
      }
      break;
    case "cancelled":
      record(state, { stepId: null, type: "run", outcome: "exited", reason: `cancelled: ${fact.reason}` });
      end(state, "exited", `cancelled: ${fact.reason}`);
      break;
    default:
      applyOutcome(definition, state, fact);
  }
  settle(definition, state, context);
  return state;
}

/** What the driver does next for a run in this state. */
export function nextAction(definition: SequenceDefinition, state: RunState): NextAction {
  if (state.status !== "running") return { kind: "done", status: state.status, reason: state.exitReason };
  const step = currentStep(definition, state);
  const progress = state.progress;
  if (!step || !progress) return { kind: "done", status: "completed", reason: null };
  switch (step.type) {
    case "wait":
    case "wait_until":
    case "wait_for_event":
      return {
        kind: "wait",
        stepId: step.id,
        since: progress.since,
        until: progress.until ?? state.now,
        awaiting: step.type === "wait_for_event" ? "event" : "time",
      };
    case "send_email":
      if (state.paused) return { kind: "hold", stepId: step.id };
      if (progress.until !== undefined && state.now < progress.until) {
        return {
          kind: "wait",
          stepId: step.id,
          since: progress.since,
          until: progress.until,
          awaiting: "deferred_send",
        };
      }
      return {
        kind: "send_email",
        stepId: step.id,
        template: step.template,
        data: step.data ?? {},
        firstDueAt: progress.dueSince ?? progress.since,
        ...(step.expireAfter ? { expiry: step.expireAfter } : {}),
        category: definition.category,
        attempt: progress.deferrals ?? 0,
      };
    case "webhook":
      return {
        kind: "webhook",
        stepId: step.id,
        url: step.url,
        reason: step.reason ?? `sequence step ${step.id}`,
      };
    case "update_contact":
      return { kind: "update_contact", stepId: step.id, set: step.set ?? {}, addScore: step.addScore ?? 0 };
    default:
      return { kind: "done", status: "completed", reason: null };
  }
}

/** What an update_contact step makes of the contact, for a driver that keeps no store (the simulator). */
export function updatedContact(
  contact: ContactFacts,
  action: Extract<NextAction, { kind: "update_contact" }>,
): ContactFacts {
  return {
    ...contact,
    stage: action.set.stage ?? contact.stage,
    properties: { ...contact.properties, ...action.set.properties },
    score: contact.score + action.addScore,
  };
}
