// Program effectiveness per sequence version and email step. Runs are the enrollments that started in
// the period, each with its outcome as of the period's end; email counts are the sends attempted in
// the period, and a run's deferral of a step counts in the period of its first deferral (so counts of
// consecutive periods add up); an unsubscribe is credited to the last email the contact was sent
// before it.
import { rate } from "./rates.ts";

/** Exit reasons the sequence workflow writes for a reached goal start with this. */
export const GOAL_EXIT_PREFIX = "goal:";

export interface EnrollmentOutcomeRow {
  sequenceKey: string;
  sequenceVersion: number;
  /** running (also: not ended before the period's end), completed, exited, skipped */
  outcome: string;
  exitReason: string | null;
  runs: number;
}

/** Rows come in the order of the step's first send, which is the order the steps run in. */
export interface EmailStepRow {
  sequenceKey: string;
  sequenceVersion: number;
  stepId: string;
  templateKey: string;
  attempted: number;
  sent: number;
  /** Runs whose send of this step the sending rules first put off in the period (SendDecision `defer`). */
  deferred: number;
  suppressed: number;
  bounced: number;
  opened: number;
  clicked: number;
}

export interface UnsubscribeRow {
  sequenceKey: string;
  sequenceVersion: number;
  stepId: string;
  unsubscribed: number;
}

export interface EmailStepReport extends Omit<EmailStepRow, "sequenceKey" | "sequenceVersion"> {
  unsubscribed: number;
  rates: {
    open: number | null;
    click: number | null;
    clickToOpen: number | null;
    unsubscribe: number | null;
    bounce: number | null;
  };
}

export interface SequenceVersionReport {
  sequenceKey: string;
  sequenceVersion: number;
  enrolled: number;
  running: number;
  completed: number;
  exitedByGoal: number;
  exitedOtherwise: { total: number; byReason: Array<{ reason: string; runs: number }> };
  skipped: number;
  rates: { goal: number | null; completion: number | null };
  emailSteps: EmailStepReport[];
}

const versionKey = (row: { sequenceKey: string; sequenceVersion: number }) =>
  `${row.sequenceKey}@${row.sequenceVersion}`;

export function sequenceReport(input: {
  outcomes: readonly EnrollmentOutcomeRow[];
  steps: readonly EmailStepRow[];
  unsubscribes: readonly UnsubscribeRow[];
}): SequenceVersionReport[] {
  const versions = new Map<string, SequenceVersionReport>();
  const versionOf = (row: { sequenceKey: string; sequenceVersion: number }) => {
    const key = versionKey(row);
    const existing = versions.get(key);
    if (existing) return existing;
    const fresh: SequenceVersionReport = {
      sequenceKey: row.sequenceKey,
      sequenceVersion: row.sequenceVersion,
      enrolled: 0,
      running: 0,
      completed: 0,
      exitedByGoal: 0,
      exitedOtherwise: { total: 0, byReason: [] },
      skipped: 0,
      rates: { goal: null, completion: null },
      emailSteps: [],
    };
    versions.set(key, fresh);
    return fresh;
  };

  for (const row of input.outcomes) {
    const version = versionOf(row);
    version.enrolled += row.runs;
    if (row.outcome === "completed") version.completed += row.runs;
    else if (row.outcome === "skipped") version.skipped += row.runs;
    else if (row.outcome === "exited" && row.exitReason?.startsWith(GOAL_EXIT_PREFIX))
      version.exitedByGoal += row.runs;
    else if (row.outcome === "exited") {
      version.exitedOtherwise.total += row.runs;
      version.exitedOtherwise.byReason.push({ reason: row.exitReason ?? "unknown", runs: row.runs });
    } else version.running += row.runs;
  }

  const unsubscribed = new Map(
    input.unsubscribes.map((row) => [`${versionKey(row)}|${row.stepId}`, row.unsubscribed]),
  );
  const stepKeys = new Set<string>();
  for (const { sequenceKey, sequenceVersion, ...step } of input.steps) {
    const key = `${versionKey({ sequenceKey, sequenceVersion })}|${step.stepId}`;
    stepKeys.add(key);
    versionOf({ sequenceKey, sequenceVersion }).emailSteps.push(
      emailStepReport(step, unsubscribed.get(key) ?? 0),
    );
  }
  // Unsubscribes credited to an email sent before the period still show, on a step with no sends.
  for (const row of input.unsubscribes) {
    if (stepKeys.has(`${versionKey(row)}|${row.stepId}`)) continue;
    versionOf(row).emailSteps.push(
      emailStepReport(
        {
          stepId: row.stepId,
          templateKey: "",
          attempted: 0,
          sent: 0,
          deferred: 0,
          suppressed: 0,
          bounced: 0,
          opened: 0,
          clicked: 0,
        },
        row.unsubscribed,
      ),
    );
  }

  const reports = [...versions.values()];
  for (const version of reports) {
    version.rates = {
      goal: rate(version.exitedByGoal, version.enrolled),
      completion: rate(version.completed, version.enrolled),
    };
    version.exitedOtherwise.byReason.sort((a, b) => b.runs - a.runs || a.reason.localeCompare(b.reason));
  }
  return reports.sort(
    (a, b) => a.sequenceKey.localeCompare(b.sequenceKey) || a.sequenceVersion - b.sequenceVersion,
  );
}

function emailStepReport(
  step: Omit<EmailStepRow, "sequenceKey" | "sequenceVersion">,
  unsubscribed: number,
): EmailStepReport {
  return {
    ...step,
    unsubscribed,
    rates: {
      open: rate(step.opened, step.sent),
      click: rate(step.clicked, step.sent),
      clickToOpen: rate(step.clicked, step.opened),
      unsubscribe: rate(unsubscribed, step.sent),
      bounce: rate(step.bounced, step.sent + step.bounced),
    },
  };
}
