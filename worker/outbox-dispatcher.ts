// Delivers outbox rows to Temporal: each contact change steers the contact's running programs (signal)
// and starts the programs it triggers (on a deterministic workflow id: eager start for a run the row
// opens, signal-with-start when a redelivered row's run may exist already).
//
// Guarantees (DESIGN §4): per contact, rows reach Temporal in the order they were written (the claim
// hands out only a contact's earliest undelivered row); rows of different contacts are delivered
// independently and concurrently, so one failing row delays only its own contact. Every Temporal call
// ends before the row's lease does (the call's deadline), and only the lease holder can mark the row
// delivered, so a slow dispatcher cannot deliver a row after another one took it over. A row Temporal
// keeps rejecting is parked after a bounded number of attempts; an unreachable Temporal parks nothing.
//
// The loops wake the moment new rows commit (PostgreSQL NOTIFY from a rule on the table, which the
// dispatcher LISTENs for on a connection of its own) and otherwise poll every `pollMs`: a lost
// connection, a row due again after a failure and a contact's next row are all found by the poll.
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type WorkflowOptions,
} from "@temporalio/client";
import pg from "pg";
import type { Logger } from "pino";
import {
  type DeliveryContact,
  type EnrollmentHistory,
  openEnrollment,
  readDeliveryContacts,
  readEnrollmentHistory,
} from "../activities/outbox/delivery-store.ts";
import { entryStillHolds } from "../activities/outbox/entry-recheck.ts";
import {
  type ClaimedOutboxRow,
  claimDueRows,
  markDelivered,
  recordFailure,
} from "../activities/outbox/outbox-leases.ts";
import { loadActiveSequences } from "../activities/sequences/sequence-catalog.ts";
import { decideAfterFailure, type OutboxRetryPolicy } from "../domain/outbox/retry-policy.ts";
import type { ContactChange } from "../domain/sequences/contact-change.ts";
import type { SequenceVersionRef } from "../domain/sequences/definition.ts";
import { durationMs } from "../domain/sequences/duration.ts";
import { entryKeyFor } from "../domain/sequences/triggers.ts";
import { enrollmentId, sequenceWorkflowId } from "../domain/sequences/workflow-ids.ts";
import type { ContactStore } from "../prisma/client.ts";
import {
  NfContactId,
  NfNextActionAt,
  NfSegment,
  NfSequence,
  NfStage,
  NfStatus,
} from "../workflows/search-attributes.ts";
import type { SequenceRunInput, sequenceRunWorkflow } from "../workflows/sequence-run-workflow.ts";
import { contactChangedSignal } from "../workflows/sequence-signals.ts";
import { errorChain, errorSummary, isTemporalUnreachable } from "./temporal-errors.ts";

export interface OutboxDispatcherOptions {
  store: ContactStore;
  client: () => Promise<Client>;
  /**
   * A client on the connection the sequence worker polls with: a run this dispatcher opens is started
   * through it with eager start, so Temporal hands its first workflow task straight to that worker
   * (no poll, one server round trip less per run). Absent: every run starts with signal-with-start.
   */
  eagerClient?: Client;
  taskQueue: string;
  emailTaskQueue: string;
  pollMs: number;
  /** The database to LISTEN on for new rows; without it the dispatcher only polls. */
  listenUrl?: string;
  batchSize?: number;
  /** How long a claimed row stays leased to this dispatcher. */
  leaseMs?: number;
  /** Independent claim loops; each delivers its claimed rows (each another contact's) at once. */
  concurrency?: number;
  retry?: OutboxRetryPolicy;
  logger: Logger;
}

const DEFAULT_LEASE_MS = 30_000;
// A Temporal call must have ended (answered or abandoned) this long before the lease runs out.
const LEASE_MARGIN_MS = 5_000;
// One Temporal call answers within this, or the row is retried (a hanging call holds up one loop).
const CALL_TIMEOUT_MS = 10_000;
const DEFAULT_LOOPS = 4;
/** The channel the Outbox table's insert rule notifies (migration 20261202101000_outbox_notify). */
export const OUTBOX_CHANNEL = "nurtureflow_outbox";
const RELISTEN_MS = 5_000;
export const DEFAULT_OUTBOX_RETRY: OutboxRetryPolicy = { maxAttempts: 10, baseDelayMs: 1_000 };

/** Waits for every call (none outlives the row's outcome being recorded), then throws the first failure. */
async function settleAll(calls: Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(calls)).find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
}

/** One claimed row with what its batch read for it. */
interface Delivery {
  row: ClaimedOutboxRow;
  sequences: SequenceVersionRef[];
  /** Absent only if the batch read missed it: the row then signals nothing and starts nothing. */
  contact: DeliveryContact | undefined;
  deadline: number;
}

/** The lease ran out before the row was delivered: another claim may own it now, so write nothing. */
class LeaseExpiredError extends Error {}

export class OutboxDispatcher {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly wakers = new Set<() => void>();
  // A row committed since the last claim began: the loop that finds this set claims again before it
  // sleeps. One notification wakes one sleeping loop; waking them all cost an empty claim per loop.
  private unclaimed = false;
  private listener: pg.Client | null = null;
  private relisten: NodeJS.Timeout | null = null;
  private listening: Promise<void> = Promise.resolve();

  constructor(private readonly options: OutboxDispatcherOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.listening = this.listen();
    this.loop = this.run();
  }

  /** Settles once the dispatcher LISTENs for new rows (or gave up for now and polls). */
  whenListening(): Promise<void> {
    return this.listening;
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const wake of [...this.wakers]) wake();
    if (this.relisten) clearTimeout(this.relisten);
    await this.listening;
    await this.listener?.end().catch(() => {});
    this.listener = null;
    await this.loop;
  }

  private rowsCommitted(): void {
    this.unclaimed = true;
    const [sleeper] = this.wakers;
    sleeper?.();
  }

  private async listen(): Promise<void> {
    const { listenUrl, logger } = this.options;
    if (!listenUrl || !this.running) return;
    const client = new pg.Client({ connectionString: listenUrl });
    const retry = (error: unknown) => {
      if (this.listener === client) this.listener = null;
      client.end().catch(() => {});
      if (!this.running) return;
      logger.warn(
        { err: errorChain(error) },
        `outbox LISTEN lost, polling every ${this.options.pollMs} ms: ${errorSummary(error)}`,
      );
      this.relisten ??= setTimeout(() => {
        this.relisten = null;
        this.listening = this.listen();
      }, RELISTEN_MS);
    };
    client.on("error", retry);
    client.on("notification", () => this.rowsCommitted());
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      this.listener = client;
      // Rows written while nobody listened are found by the pass this wakes.
      this.rowsCommitted();
    } catch (error) {
      retry(error);
    }
  }

  /** Delivers every row that is due now; returns how many were delivered. Used by the loop and by tests. */
  async dispatchDue(): Promise<number> {
    const leaseMs = this.options.leaseMs ?? DEFAULT_LEASE_MS;
    // Measured before the claim, so the local deadline never outlasts the lease the database granted.
    const deadline = Date.now() + leaseMs - Math.min(LEASE_MARGIN_MS, leaseMs / 2);
    const loops = this.options.concurrency ?? DEFAULT_LOOPS;
    const limit = Math.max(1, Math.ceil((this.options.batchSize ?? 100) / loops));
    const { store } = this.options;
    const rows = await claimDueRows(store, { limit, leaseMs });
    if (rows.length === 0) return 0;
    // Read once per batch: a sequence published now applies from the next batch on. Each row is
    // another contact's, so their contacts are read together and the rows delivered at the same time.
    const [sequences, contacts] = await Promise.all([
      loadActiveSequences(store),
      readDeliveryContacts(
        store,
        rows.map((row) => row.contactId),
      ),
    ]);
    const outcomes = await Promise.all(
      rows.map((row) => this.deliverOne({ row, sequences, contact: contacts.get(row.contactId), deadline })),
    );
    return outcomes.filter(Boolean).length;
  }

  private async deliverOne(delivery: Delivery) {
    const { store, logger } = this.options;
    const { row } = delivery;
    try {
      await this.deliver(delivery);
      if (await markDelivered(store, row)) return true;
      logger.warn({ outboxId: String(row.id) }, "outbox row was claimed by another dispatcher meanwhile");
      return false;
    } catch (error) {
      if (error instanceof LeaseExpiredError) {
        logger.warn(
          { outboxId: String(row.id) },
          "outbox lease ran out before delivery: left to the next claim",
        );
        return false;
      }
      const attempts = row.attempts + 1;
      const unreachable = isTemporalUnreachable(error);
      const decision = decideAfterFailure(this.options.retry ?? DEFAULT_OUTBOX_RETRY, attempts, unreachable);
      const summary = errorSummary(error);
      await recordFailure(store, row, { error: summary, ...decision });
      const context = {
        outboxId: String(row.id),
        contactId: row.contactId,
        attempts,
        err: errorChain(error),
      };
      if (decision.park) logger.error(context, `outbox row parked after ${attempts} attempts: ${summary}`);
      else logger.warn({ ...context, retryInMs: decision.retryInMs }, `outbox delivery failed: ${summary}`);
      return false;
    }
  }

  // Several independent claim loops: a row whose Temporal call hangs holds up one loop, never all.
  private async run(): Promise<void> {
    await Promise.all(
      Array.from({ length: this.options.concurrency ?? DEFAULT_LOOPS }, () => this.claimLoop()),
    );
  }

  private async claimLoop(): Promise<void> {
    while (this.running) {
      this.unclaimed = false;
      let delivered = 0;
      try {
        delivered = await this.dispatchDue();
      } catch (error) {
        this.options.logger.error(
          { err: errorChain(error) },
          `outbox dispatch pass failed: ${errorSummary(error)}`,
        );
      }
      if (delivered > 0 || this.unclaimed) continue;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, this.options.pollMs);
        this.wakers.add(wake);
      });
    }
  }

  /** A Temporal call bounded by the lease: it is answered or abandoned before another claim can start. */
  private async withinLease<T>(client: Client, deadline: number, call: () => Promise<T>): Promise<T> {
    if (Date.now() >= deadline) throw new LeaseExpiredError();
    return client.withDeadline(Math.min(deadline, Date.now() + CALL_TIMEOUT_MS), call);
  }

  private async deliver({ row, sequences, contact, deadline }: Delivery) {
    const client = await this.options.client();
    const change = row.payload;
    const runningWorkflowIds = new Set<string>();
    // Each signal goes to another run, so they go at once; the contact's next row waits for all of them.
    await settleAll(
      (contact?.running ?? []).map(async (enrollment) => {
        const workflowId = sequenceWorkflowId(enrollment.sequenceKey, row.contactId, enrollment.entryKey);
        try {
          await this.withinLease(client, deadline, () =>
            client.workflow.getHandle(workflowId).signal(contactChangedSignal, change),
          );
          runningWorkflowIds.add(workflowId);
        } catch (error) {
          // No such run: its start failed after the enrollment row was written (Temporal was down),
          // or it has just ended. Either way this change may still have to start it below.
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      }),
    );
    const entries = sequences.flatMap((sequence) => {
      const entryKey = entryKeyFor(sequence.definition.trigger, change);
      return entryKey ? [{ sequence, entryKey }] : [];
    });
    if (entries.length === 0) return;
    if (!contact?.exists || !(await entryStillHolds(this.options.store, row.contactId, change))) {
      this.options.logger.info(
        { outboxId: String(row.id), contactId: row.contactId },
        "change overtaken by the contact's current state: starts nothing",
      );
      return;
    }
    // Each start is another sequence's run: at once too.
    await settleAll(
      entries.map(async ({ sequence, entryKey }) => {
        const workflowId = sequenceWorkflowId(sequence.key, row.contactId, entryKey);
        if (!runningWorkflowIds.has(workflowId))
          await this.startRun(client, deadline, sequence, row, contact, entryKey, workflowId);
      }),
    );
  }

  private async startRun(
    client: Client,
    deadline: number,
    sequence: SequenceVersionRef,
    row: ClaimedOutboxRow,
    contact: DeliveryContact,
    entryKey: string,
    workflowId: string,
  ): Promise<void> {
    const { store, logger } = this.options;
    const id = enrollmentId(workflowId, String(row.id));
    const enrollment = { id, sequenceKey: sequence.key, contactId: row.contactId, entryKey };
    const { existing, previous } = await readEnrollmentHistory(store, enrollment);
    // This row's enrollment already ran to its end (or was kept out): a redelivery changes nothing.
    if (existing && existing !== "running") return;
    if (!existing) {
      if (reEntryForbidden(sequence, previous)) {
        logger.info({ workflowId, outboxId: String(row.id) }, "re-entry policy keeps contact out");
        return;
      }
      await openEnrollment(store, { ...enrollment, sequenceVersion: sequence.version });
    }
    const input: SequenceRunInput = {
      enrollmentId: id,
      contactId: row.contactId,
      entryKey,
      sequence,
      emailTaskQueue: this.options.emailTaskQueue,
      trigger: row.payload,
    };
    // Re-entry is decided above from the database; the reuse policy also refuses where Temporal still knows better.
    const options: Omit<WorkflowOptions, "requestEagerStart"> = {
      workflowId,
      taskQueue: this.options.taskQueue,
      workflowIdReusePolicy:
        sequence.definition.entry.reEntry.mode === "never" ? "REJECT_DUPLICATE" : "ALLOW_DUPLICATE",
      staticSummary: `${sequence.definition.name} (v${sequence.version}) for contact ${row.contactId}`,
      typedSearchAttributes: [
        { key: NfContactId, value: row.contactId },
        { key: NfSequence, value: sequence.key },
        { key: NfStatus, value: "running" },
        { key: NfStage, value: contact.stage ?? "subscriber" },
        { key: NfSegment, value: contact.segment ?? "new" },
        { key: NfNextActionAt, value: new Date() },
      ],
    };
    const { eagerClient } = this.options;
    try {
      // A run this delivery just opened is started with its trigger in its input. A redelivered row's
      // run may exist already, and an open run with this id takes the change as a signal.
      const start =
        !existing && eagerClient
          ? await this.startWithTrigger(eagerClient, deadline, options, input)
          : "taken";
      if (start === "taken") {
        await this.withinLease(client, deadline, () =>
          client.workflow.signalWithStart<typeof sequenceRunWorkflow, [ContactChange]>(
            "sequenceRunWorkflow",
            { ...options, args: [input], signal: contactChangedSignal, signalArgs: [row.payload] },
          ),
        );
      }
      logger.info({ workflowId, enrollmentId: id, eager: start === "eager" }, "sequence run started");
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      // Temporal still holds a closed run with this id and the sequence admits no re-entry: the
      // enrollment this delivery opened never ran. A finished enrollment is never touched.
      await store.enrollment.updateMany({
        where: { id, status: "running" },
        data: { status: "skipped", endedAt: new Date() },
      });
    }
  }

  /**
   * Starts the run eagerly: its first workflow task comes back with the answer, to the worker on the
   * eager client's connection ("polled" when Temporal queued it instead). "taken": a run holds the id.
   */
  private async startWithTrigger(
    client: Client,
    deadline: number,
    options: Omit<WorkflowOptions, "requestEagerStart">,
    input: SequenceRunInput,
  ): Promise<"eager" | "polled" | "taken"> {
    try {
      const handle = await this.withinLease(client, deadline, () =>
        client.workflow.start<typeof sequenceRunWorkflow>("sequenceRunWorkflow", {
          ...options,
          args: [{ ...input, triggerInInput: true }],
          requestEagerStart: true,
        }),
      );
      return handle.eagerlyStarted ? "eager" : "polled";
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return "taken";
      throw error;
    }
  }
}

/** From the database, so the answer does not change when Temporal's retention drops closed runs. */
function reEntryForbidden(sequence: SequenceVersionRef, previous: EnrollmentHistory["previous"]): boolean {
  const policy = sequence.definition.entry.reEntry;
  if (!previous) return false;
  if (policy.mode === "never") return true;
  if (policy.mode === "cooldown") {
    const endedAt = previous.endedAt ?? new Date();
    return Date.now() - endedAt.getTime() < durationMs(policy.cooldown);
  }
  return false;
}
