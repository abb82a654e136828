// Delivers outbox rows to Temporal: each contact change steers the contact's running programs (signal)
// and starts the programs it triggers (signal-with-start on a deterministic workflow id).
// A row stays pending, with backoff, until Temporal has taken it: nothing acknowledged is lost.
import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from "@temporalio/client";
import type { Logger } from "pino";
import { loadActiveSequences } from "../activities/sequences/sequence-catalog.ts";
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

export interface OutboxDispatcherOptions {
  store: ContactStore;
  client: () => Promise<Client>;
  taskQueue: string;
  emailTaskQueue: string;
  pollMs: number;
  batchSize?: number;
  logger: Logger;
}

interface OutboxRow {
  id: bigint;
  contactId: string;
  payload: ContactChange;
  attempts: number;
}

const MAX_BACKOFF_MS = 10_000;

export class OutboxDispatcher {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly options: OutboxDispatcherOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Delivers every row that is due now; returns how many were delivered. Used by the loop and by tests. */
  async dispatchDue(): Promise<number> {
    const rows = await this.claimDue();
    if (rows.length === 0) return 0;
    // Read once per batch: a sequence published now applies from the next batch on.
    const sequences = await loadActiveSequences(this.options.store);
    let delivered = 0;
    for (const [index, row] of rows.entries()) {
      try {
        await this.deliver(row, sequences);
        await this.options.store.outbox.update({ where: { id: row.id }, data: { dispatchedAt: new Date() } });
        delivered += 1;
      } catch (error) {
        const attempts = row.attempts + 1;
        const backoff = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(attempts, 10));
        await this.options.store.outbox.update({
          where: { id: row.id },
          data: {
            attempts,
            lastError: String(error).slice(0, 500),
            nextAttemptAt: new Date(Date.now() + backoff),
          },
        });
        this.options.logger.warn(
          { outboxId: String(row.id), attempts, err: String(error) },
          "outbox delivery failed",
        );
        // Later rows must not overtake this one (Temporal is most likely down): release them for the next pass.
        const released = rows.slice(index + 1).map((later) => later.id);
        await this.options.store.outbox.updateMany({
          where: { id: { in: released } },
          data: { nextAttemptAt: new Date(Date.now() + backoff) },
        });
        break;
      }
    }
    return delivered;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let delivered = 0;
      try {
        delivered = await this.dispatchDue();
      } catch (error) {
        this.options.logger.error({ err: String(error) }, "outbox dispatch pass failed");
      }
      if (delivered > 0) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Leases due rows (SKIP LOCKED), so several dispatchers share the work without taking the same row. */
  private async claimDue(): Promise<OutboxRow[]> {
    const limit = this.options.batchSize ?? 100;
    const rows = await this.options.store.$queryRaw<OutboxRow[]>`
      UPDATE "Outbox" SET "nextAttemptAt" = now() + interval '30 seconds'
      WHERE id IN (
        SELECT id FROM "Outbox" WHERE "dispatchedAt" IS NULL AND "nextAttemptAt" <= now()
        ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING id, "contactId"::text AS "contactId", payload, attempts`;
    return rows.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  private async deliver(row: OutboxRow, sequences: SequenceVersionRef[]): Promise<void> {
    const client = await this.options.client();
    const change = row.payload;
    const running = await this.options.store.enrollment.findMany({
      where: { contactId: row.contactId, status: "running" },
    });
    const runningWorkflowIds = new Set<string>();
    for (const enrollment of running) {
      const workflowId = sequenceWorkflowId(
        enrollment.sequenceKey,
        enrollment.contactId,
        enrollment.entryKey,
      );
      try {
        await client.workflow.getHandle(workflowId).signal(contactChangedSignal, change);
        runningWorkflowIds.add(workflowId);
      } catch (error) {
        // No such run: its start failed after the enrollment row was written (Temporal was down),
        // or it has just ended. Either way this change may still have to start it below.
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    }
    for (const sequence of sequences) {
      const entryKey = entryKeyFor(sequence.definition.trigger, change);
      if (!entryKey) continue;
      const workflowId = sequenceWorkflowId(sequence.key, row.contactId, entryKey);
      if (runningWorkflowIds.has(workflowId)) continue;
      await this.startRun(client, sequence, row, entryKey, workflowId);
    }
  }

  private async startRun(
    client: Client,
    sequence: SequenceVersionRef,
    row: OutboxRow,
    entryKey: string,
    workflowId: string,
  ): Promise<void> {
    const { store, logger } = this.options;
    const id = enrollmentId(workflowId, String(row.id));
    if (await this.reEntryForbidden(sequence, row.contactId, entryKey, id)) {
      logger.info({ workflowId, outboxId: String(row.id) }, "re-entry policy keeps contact out");
      return;
    }
    await store.enrollment.upsert({
      where: { id },
      create: {
        id,
        sequenceKey: sequence.key,
        sequenceVersion: sequence.version,
        contactId: row.contactId,
        entryKey,
      },
      update: {},
    });
    const contact = await store.contact.findUnique({
      where: { id: row.contactId },
      select: { lifecycleStage: true, segment: true },
    });
    const input: SequenceRunInput = {
      enrollmentId: id,
      contactId: row.contactId,
      entryKey,
      sequence,
      emailTaskQueue: this.options.emailTaskQueue,
      trigger: row.payload,
    };
    try {
      await client.workflow.signalWithStart<typeof sequenceRunWorkflow, [ContactChange]>(
        "sequenceRunWorkflow",
        {
          workflowId,
          taskQueue: this.options.taskQueue,
          args: [input],
          signal: contactChangedSignal,
          signalArgs: [row.payload],
          workflowIdReusePolicy:
            sequence.definition.entry.reEntry.mode === "never" ? "REJECT_DUPLICATE" : "ALLOW_DUPLICATE",
          staticSummary: `${sequence.definition.name} (v${sequence.version}) for contact ${row.contactId}`,
          typedSearchAttributes: [
            { key: NfContactId, value: row.contactId },
            { key: NfSequence, value: sequence.key },
            { key: NfStatus, value: "running" },
            { key: NfStage, value: contact?.lifecycleStage ?? "subscriber" },
            { key: NfSegment, value: contact?.segment ?? "new" },
            { key: NfNextActionAt, value: new Date() },
          ],
        },
      );
      logger.info({ workflowId, enrollmentId: id }, "sequence run started");
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      // A closed run with this id exists and the sequence admits no re-entry.
      await store.enrollment.update({ where: { id }, data: { status: "skipped", endedAt: new Date() } });
    }
  }

  private async reEntryForbidden(
    sequence: SequenceVersionRef,
    contactId: string,
    entryKey: string,
    id: string,
  ): Promise<boolean> {
    const policy = sequence.definition.entry.reEntry;
    const previous = await this.options.store.enrollment.findFirst({
      where: { sequenceKey: sequence.key, contactId, entryKey, id: { not: id }, status: { not: "skipped" } },
      orderBy: { startedAt: "desc" },
    });
    if (!previous) return false;
    if (policy.mode === "never") return true;
    if (policy.mode === "cooldown") {
      const endedAt = previous.endedAt ?? new Date();
      return Date.now() - endedAt.getTime() < durationMs(policy.cooldown);
    }
    return false;
  }
}
