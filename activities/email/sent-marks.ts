// The sent mark of the send ledger, written for many sends at once: the marks that come in while one
// batch is being written go out together as the next, so a burst of sends pays one statement, one run
// of the ledger's roll-up triggers and one WAL flush per batch instead of per message (BENCHMARKS.md,
// "Email delivery"). A send counts as sent only once the batch holding its mark has committed, so the
// exactly-once promise is the single mark's: a retry finds the row sent, or the send was never marked.
import type pg from "pg";

export interface SentMark {
  /** The ledger row's id (int8, as text). */
  ledgerId: string;
  /** The subject as sent, recorded with the outcome. */
  subject: string;
  /** When the SMTP server accepted the message. */
  sentAt: Date;
}

interface WaitingMark extends SentMark {
  done(): void;
  failed(error: unknown): void;
}

// Bounds a batch's statement and its triggers' work, should the database fall far behind.
const MAX_BATCH = 500;

// A timestamp ignores the ISO string's zone suffix: it stays UTC, as Prisma writes it.
const MARK_SENT = `UPDATE "SendLedger" l SET status = 'sent', "sentAt" = m."sentAt", subject = m.subject
  FROM unnest($1::bigint[], $2::timestamp[], $3::text[]) AS m(id, "sentAt", subject)
  WHERE l.id = m.id`;

export function createSentMarks(pool: pg.Pool): (mark: SentMark) => Promise<void> {
  let waiting: WaitingMark[] = [];
  let writing = false;

  const write = (marks: readonly SentMark[]) =>
    pool.query({
      name: "send-ledger-mark-sent",
      text: MARK_SENT,
      values: [
        marks.map((mark) => mark.ledgerId),
        marks.map((mark) => mark.sentAt.toISOString()),
        marks.map((mark) => mark.subject),
      ],
    });

  async function drain(): Promise<void> {
    writing = true;
    while (waiting.length > 0) {
      const batch = waiting.slice(0, MAX_BATCH);
      waiting = waiting.slice(MAX_BATCH);
      try {
        await write(batch);
        for (const mark of batch) mark.done();
      } catch (error) {
        // A failed batch (a deadlock with another worker's batch in the order-attribution triggers,
        // which lock the contacts row by row) must not fail sends that would mark alone: each is
        // written on its own, and only a mark that still fails fails its send.
        if (batch.length === 1) batch[0]?.failed(error);
        else
          await Promise.all(
            batch.map((mark) => write([mark]).then(mark.done, (alone: unknown) => mark.failed(alone))),
          );
      }
    }
    writing = false;
  }

  return (mark) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ ...mark, done: resolve, failed: reject });
      if (!writing) void drain();
    });
}
