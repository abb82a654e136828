// The Temporal driver of the sequence interpreter (domain/sequences/interpreter.ts): it owns no step
// semantics. It turns the interpreter's next action into a timer, a wait for signals or an activity,
// and tells the interpreter each result, signal and moment as a fact. Runs started before v1 keep the
// `sequenceWorkflow` type (sequence-workflow.ts) until they finish.
import {
  ActivityFailure,
  type ActivityOptions,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from "@temporalio/workflow";
import type {
  SendOutcome as EmailSendOutcome,
  SequenceEmailActivities,
} from "../activities/email/sequence-email-activities.ts";
import type { EnrollmentActivities } from "../activities/enrollment-activities.ts";
import type { SendDecisionActivities } from "../activities/sending/send-decision-activity.ts";
import type { SequenceRunActivities } from "../activities/sequences/run-activities.ts";
import type { WebhookActivities } from "../activities/webhooks/send-webhook.ts";
import type { ContactChange } from "../domain/sequences/contact-change.ts";
import type { SequenceVersionRef } from "../domain/sequences/definition.ts";
import { entryTemplateData } from "../domain/sequences/entry-data.ts";
import {
  advance,
  type Fact,
  type NextAction,
  nextAction,
  type RunContext,
  type RunState,
  type SendOutcome,
  startRun,
} from "../domain/sequences/interpreter.ts";
import { journalEntryView } from "../domain/sequences/journal-view.ts";
import { sendLedgerKey } from "../domain/sequences/workflow-ids.ts";
import { NfNextActionAt, NfSegment, NfStage, NfStatus, NfStep, NfVersion } from "./search-attributes.ts";
import {
  cancelEnrollmentSignal,
  contactChangedSignal,
  type SequenceRunView,
  sequenceRunViewQuery,
  sequenceStatusSignal,
} from "./sequence-signals.ts";

export interface SequenceRunInput {
  enrollmentId: string;
  contactId: string;
  entryKey: string;
  sequence: SequenceVersionRef;
  emailTaskQueue: string;
  trigger: ContactChange;
  /**
   * Set when the dispatcher started the run with `start` (eagerly, on its own worker) rather than
   * signal-with-start: the trigger is then the run's first fact from here, not from a signal.
   */
  triggerInInput?: true;
  /** Events after which a waiting run continues as new; default HISTORY_BOUND (tests use a small one). */
  historyBound?: number;
  /** Set by continue-as-new: the interpreter's state and the wait whose contact re-check is done. */
  carried?: { state: RunState; checkedWait: string | null };
}

/** Continue as new well before Temporal's own limits (50k events): a run signalled for every contact change stays small. */
export const HISTORY_BOUND = 1_000;
/** How often a paused run looks at its sequence again, in case a resume signal was missed. */
const PAUSE_RECHECK = "1 hour";

const STORE_CALL = {
  startToCloseTimeout: "30 seconds",
  retry: { initialInterval: "1 second", backoffCoefficient: 2, maximumInterval: "1 minute" },
} as const;

function runActivities(summary: string) {
  return proxyActivities<SequenceRunActivities>({ ...STORE_CALL, summary });
}

/**
 * Reading the contact and ending the enrollment answer in milliseconds and write nothing another
 * step depends on. From "store-calls-local" on they are local activities: the worker runs them inside
 * the workflow task that asks, sparing the server an activity task and a workflow task each (a welcome
 * run is two workflow tasks and one activity task). Updating the contact stays an activity task: its
 * stage change signals this run, and a workflow task retried for that signal would forget the update.
 */
function storeCalls(summary: string) {
  return patched("store-calls-local")
    ? proxyLocalActivities<SequenceRunActivities & EnrollmentActivities>({
        ...STORE_CALL,
        summary,
        // Retries past the first few seconds wait on a Temporal timer: a database outage holds the
        // workflow task open for those few seconds, not for as long as it lasts.
        localRetryThreshold: "5 seconds",
      })
    : proxyActivities<SequenceRunActivities & EnrollmentActivities>({ ...STORE_CALL, summary });
}

// The decision is a short database transaction; retried until it answers, since a send waits on it.
function sendingRules(summary: string) {
  return proxyActivities<SendDecisionActivities>({ ...STORE_CALL, summary });
}

export async function sequenceRunWorkflow(input: SequenceRunInput): Promise<SequenceRunView> {
  const { definition, version } = input.sequence;
  const context: RunContext = { entryKey: input.entryKey, fallbackTimeZone: "UTC" };
  const emailOptions: ActivityOptions = {
    taskQueue: input.emailTaskQueue,
    startToCloseTimeout: "1 minute",
    heartbeatTimeout: "10 seconds",
    retry: { initialInterval: "2 seconds", backoffCoefficient: 2, maximumInterval: "5 minutes" },
  };
  const inbox: Fact[] = [];
  setHandler(contactChangedSignal, (change) => {
    inbox.push({ kind: "change", at: Date.now(), change });
  });
  setHandler(cancelEnrollmentSignal, (reason) => {
    inbox.push({ kind: "cancelled", at: Date.now(), reason });
  });
  setHandler(sequenceStatusSignal, (status) => {
    inbox.push({ kind: "sequence_status", at: Date.now(), status });
  });
  // Where signal-with-start's signal would have been told: runs without the flag (every recorded
  // history before it) take the same path as before, so no patch marker is needed.
  if (input.triggerInInput && !input.carried) {
    inbox.push({ kind: "change", at: Date.now(), change: input.trigger });
  }

  let state: RunState;
  let checkedWait = input.carried?.checkedWait ?? null;
  let action: NextAction = { kind: "done", status: "completed", reason: null };
  setHandler(sequenceRunViewQuery, () => viewOf(input, state, action));

  if (input.carried) {
    state = input.carried.state;
  } else {
    const facts = await storeCalls("read the contact").readRunFacts({
      contactId: input.contactId,
      sequenceKey: input.sequence.key,
    });
    if (!facts.contact) {
      return finish(input, null, "contact deleted");
    }
    state = startRun(definition, context, facts.contact, Date.now());
    if (facts.sequenceStatus !== "active") {
      state = advance(definition, context, state, {
        kind: "sequence_status",
        at: Date.now(),
        status: facts.sequenceStatus,
      });
    }
  }
  const tell = (fact: Fact) => {
    state = advance(definition, context, state, fact);
  };
  let shown = "";
  let timer: { key: string; fired: boolean } | null = null;

  for (;;) {
    while (inbox.length > 0) {
      const fact = inbox.shift();
      if (fact) tell(fact);
    }
    action = nextAction(definition, state);
    shown = showProgress(input, state, action, shown);
    if (action.kind === "done") break;
    const label = `step "${"stepId" in action ? action.stepId : ""}"`;

    if (action.kind === "wait" || action.kind === "hold") {
      // The contact is read again when each wait begins: a goal met meanwhile ends the run before it sleeps.
      const waitKey = action.kind === "wait" ? `${action.stepId}@${action.since}` : `hold:${action.stepId}`;
      if (checkedWait !== waitKey) {
        checkedWait = waitKey;
        const facts = await storeCalls(`${label}: read the contact`).readRunFacts({
          contactId: input.contactId,
          sequenceKey: input.sequence.key,
        });
        if (!facts.contact) {
          tell({ kind: "cancelled", at: Date.now(), reason: "contact deleted" });
          continue;
        }
        tell({ kind: "contact", at: Date.now(), contact: facts.contact });
        tell({ kind: "sequence_status", at: Date.now(), status: facts.sequenceStatus });
        continue;
      }
      const info = workflowInfo();
      if (info.historyLength >= (input.historyBound ?? HISTORY_BOUND) || info.continueAsNewSuggested) {
        return continueAsNew<typeof sequenceRunWorkflow>({ ...input, carried: { state, checkedWait } });
      }
      if (action.kind === "hold") {
        const woke = await condition(() => inbox.length > 0, PAUSE_RECHECK, {
          summary: `${label}: held while the sequence is paused`,
        });
        if (!woke) checkedWait = null;
        continue;
      }
      // One timer per wait, however many signals arrive while it runs: a signal wakes the loop, and
      // unless it ended or changed the wait, the loop waits on for the same timer.
      const timerKey = `${waitKey}@${action.until}`;
      if (timer?.key !== timerKey) {
        const fresh: { key: string; fired: boolean } = { key: timerKey, fired: false };
        timer = fresh;
        const ms = action.until - Date.now();
        if (ms > 0) {
          void sleep(ms, {
            summary: `${label}: ${action.awaiting === "deferred_send" ? "deferred send" : "wait"} until ${new Date(action.until).toISOString()}`,
          }).then(() => {
            fresh.fired = true;
          });
        } else fresh.fired = true;
      }
      const armed: { fired: boolean } = timer ?? { fired: true };
      await condition(() => inbox.length > 0 || armed.fired);
      if (!armed.fired) continue;
      tell({ kind: "time", at: Date.now() });
      continue;
    }

    if (action.kind === "send_email") {
      // Frequency caps and quiet hours across sequences. Runs from "sending-rules-in-send" on have the
      // send activity apply them (one activity less per email); earlier runs ask a separate activity
      // first, and runs recorded before the rules acted send at once.
      const rulesInSend = action.category === "marketing" && patched("sending-rules-in-send");
      if (action.category === "marketing" && !rulesInSend && patched("sending-rules")) {
        const decision = await sendingRules(`${label}: sending rules`).applySendingRules({
          contactId: input.contactId,
          enrollmentId: input.enrollmentId,
          stepId: action.stepId,
          attempt: action.attempt,
          category: action.category,
          firstDueAt: new Date(action.firstDueAt).toISOString(),
          ...(action.expiry ? { expiry: action.expiry } : {}),
        });
        if (decision.action !== "send") {
          tell({
            kind: "send_outcome",
            at: Date.now(),
            stepId: action.stepId,
            outcome:
              decision.action === "defer"
                ? { status: "deferred", until: Date.parse(decision.until), reason: decision.reason }
                : { status: "expired", reason: decision.reason },
          });
          continue;
        }
      }
      const email = proxyActivities<SequenceEmailActivities>({
        ...emailOptions,
        summary: `${label}: send ${action.template}`,
      });
      try {
        const outcome = await email.sendSequenceEmail({
          ledgerKey: sendLedgerKey(input.enrollmentId, action.stepId),
          enrollmentId: input.enrollmentId,
          stepId: action.stepId,
          contactId: input.contactId,
          templateKey: action.template,
          templateData: { ...action.data, ...entryTemplateData(input.trigger) },
          // Extra input fields only: a replayed history's recorded input is not compared, so no patch.
          firstDueAt: new Date(action.firstDueAt).toISOString(),
          ...(action.expiry ? { expiry: action.expiry } : {}),
          ...(rulesInSend ? { sendingRules: { attempt: action.attempt } } : {}),
        });
        tell({
          kind: "send_outcome",
          at: Date.now(),
          stepId: action.stepId,
          outcome: sendOutcomeOf(outcome),
        });
      } catch (error) {
        // Only non-retryable failures (an unknown template) reach here: the run ends, recorded, not failed.
        if (!(error instanceof ActivityFailure)) throw error;
        tell({
          kind: "send_outcome",
          at: Date.now(),
          stepId: action.stepId,
          outcome: { status: "failed", reason: error.cause?.message ?? error.message },
        });
      }
      continue;
    }

    if (action.kind === "update_contact") {
      const contact = await runActivities(`${label}: update the contact`).updateContactFromStep({
        contactId: input.contactId,
        enrollmentId: input.enrollmentId,
        stepId: action.stepId,
        set: action.set,
        addScore: action.addScore,
      });
      if (contact) tell({ kind: "contact_updated", at: Date.now(), stepId: action.stepId, contact });
      else tell({ kind: "cancelled", at: Date.now(), reason: "contact deleted" });
      continue;
    }

    // Runs recorded before webhook delivery existed replay the step as not delivered.
    if (!patched("webhook-delivery")) {
      tell({
        kind: "webhook_outcome",
        at: Date.now(),
        stepId: action.stepId,
        delivered: false,
        detail: "no webhook delivery configured in this worker",
      });
      continue;
    }
    const webhooks = proxyActivities<WebhookActivities>({
      startToCloseTimeout: "30 seconds",
      // The receiver may be down for a while; after that the step is recorded as failed and the run goes on.
      retry: {
        initialInterval: "2 seconds",
        backoffCoefficient: 2,
        maximumInterval: "5 minutes",
        maximumAttempts: 10,
      },
      summary: `${label}: webhook`,
    });
    try {
      const delivery = await webhooks.sendWebhook({
        url: action.url,
        contactId: input.contactId,
        enrollmentId: input.enrollmentId,
        sequenceKey: input.sequence.key,
        sequenceVersion: version,
        stepId: action.stepId,
        reason: action.reason,
      });
      tell({
        kind: "webhook_outcome",
        at: Date.now(),
        stepId: action.stepId,
        delivered: true,
        detail: `HTTP ${delivery.statusCode ?? "?"}`,
      });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      tell({
        kind: "webhook_outcome",
        at: Date.now(),
        stepId: action.stepId,
        delivered: false,
        detail: error.cause?.message ?? error.message,
      });
    }
  }

  const status = state.status === "running" ? "completed" : state.status;
  return finish(input, state, status === "completed" ? null : state.exitReason, status, version);
}

async function finish(
  input: SequenceRunInput,
  state: RunState | null,
  exitReason: string | null,
  status: "completed" | "exited" | "skipped" = "exited",
  version = input.sequence.version,
): Promise<SequenceRunView> {
  upsertSearchAttributes([
    { key: NfStatus, value: status },
    { key: NfNextActionAt, value: null },
    { key: NfStep, value: null },
  ]);
  setCurrentDetails(exitReason ? `${status}: ${exitReason}` : status);
  await storeCalls("end the enrollment").finishEnrollment({
    enrollmentId: input.enrollmentId,
    status,
    exitReason,
    steps: state?.journal.map(journalEntryView) ?? [],
  });
  return {
    enrollmentId: input.enrollmentId,
    version,
    state: status,
    stepId: null,
    exitReason,
    emailsSent: state ? Object.keys(state.sent).length : 0,
    next: null,
    journal: state?.journal ?? [],
  };
}

/** What the send activity answered, as the interpreter's fact (its instants in epoch milliseconds). */
function sendOutcomeOf(outcome: EmailSendOutcome): SendOutcome {
  switch (outcome.status) {
    case "sent":
    case "already_sent":
      return { status: outcome.status, messageId: outcome.messageId };
    case "bounced":
      return { status: "bounced" };
    case "deferred":
      return { status: "deferred", until: Date.parse(outcome.until), reason: outcome.reason };
    default:
      return { status: outcome.status, reason: outcome.reason };
  }
}

function liveStatus(action: NextAction): "waiting" | "deferred" | "paused" | "running" {
  if (action.kind === "hold") return "paused";
  if (action.kind !== "wait") return "running";
  return action.awaiting === "deferred_send" ? "deferred" : "waiting";
}

function viewOf(input: SequenceRunInput, state: RunState, action: NextAction): SequenceRunView {
  return {
    enrollmentId: input.enrollmentId,
    version: input.sequence.version,
    state: state.status === "running" ? liveStatus(action) : state.status,
    stepId: action.kind === "done" ? null : action.stepId,
    exitReason: state.exitReason,
    emailsSent: Object.keys(state.sent).length,
    next:
      action.kind === "done"
        ? null
        : {
            action:
              action.kind === "wait" && action.awaiting === "deferred_send" ? "deferred_send" : action.kind,
            at: action.kind === "wait" ? new Date(action.until).toISOString() : null,
          },
    journal: state.journal,
  };
}

/** Search attributes and the run's current details, upserted only when they change. */
function showProgress(input: SequenceRunInput, state: RunState, action: NextAction, shown: string): string {
  if (action.kind === "done") return shown;
  const status = liveStatus(action);
  const until = action.kind === "wait" ? action.until : null;
  const key = [status, action.stepId, until, state.contact.stage, state.contact.segment].join("|");
  if (key === shown) return shown;
  upsertSearchAttributes([
    { key: NfStatus, value: status },
    { key: NfStep, value: action.stepId },
    { key: NfVersion, value: input.sequence.version },
    { key: NfStage, value: state.contact.stage },
    { key: NfSegment, value: state.contact.segment },
    { key: NfNextActionAt, value: until === null ? null : new Date(until) },
  ]);
  setCurrentDetails(
    `v${input.sequence.version} step "${action.stepId}": ${action.kind === "wait" ? `waiting until ${new Date(action.until).toISOString()}` : action.kind}`,
  );
  return key;
}
