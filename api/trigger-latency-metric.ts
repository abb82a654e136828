// nurtureflow_trigger_to_send_seconds: how long a contact waited for the first email of a run, from the
// outbox row that started the run (the acknowledged change) to the SMTP server's acceptance (the send
// ledger's sentAt). For a sequence that opens with an email this is the engine's reaction time; one
// that opens with a wait adds the wait. The worker, which sends, serves no HTTP, so the API reads the
// sends that completed since its last scrape from the database (the enrollment id carries the outbox
// row's id): the histogram counts the sends seen since this API process started.
import { Histogram, type Registry } from "prom-client";
import type { ContactStore } from "../prisma/client.ts";

// A send is read once its sentAt is this far in the past, so a ledger row whose transaction commits
// a little after the timestamp it carries (or a worker clock slightly ahead) is not skipped.
const SETTLE_SECONDS = 5;

export function registerTriggerToSendHistogram(registry: Registry, store: ContactStore): void {
  let readUpTo = new Date();
  let reading: Promise<void> = Promise.resolve();

  const readNewSends = async (histogram: Histogram) => {
    const [bound] = await store.$queryRaw<Array<{ until: Date }>>`
      SELECT now() - make_interval(secs => ${SETTLE_SECONDS}) AS until`;
    if (!bound || readUpTo >= bound.until) return;
    const from = readUpTo;
    const sends = await store.$queryRaw<Array<{ seconds: number }>>`
      SELECT EXTRACT(EPOCH FROM l."sentAt" - o."createdAt")::float8 AS seconds
      FROM "SendLedger" l
      JOIN "Outbox" o ON o.id = substring(l."enrollmentId" FROM '@([0-9]+)$')::bigint
      WHERE l.status = 'sent' AND l."sentAt" > ${from} AND l."sentAt" <= ${bound.until}
        AND NOT EXISTS (
          SELECT 1 FROM "SendLedger" e
          WHERE e."enrollmentId" = l."enrollmentId" AND e."sentAt" < l."sentAt")`;
    for (const { seconds } of sends) histogram.observe(Math.max(0, seconds));
    readUpTo = bound.until;
  };

  new Histogram({
    name: "nurtureflow_trigger_to_send_seconds",
    help: "From the contact change that started a run to the SMTP acceptance of the run's first email",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [registry],
    collect() {
      // One reader at a time: two scrapes at once must not count the same sends twice. A failed read
      // fails its scrape and leaves the window to the next one.
      const current = reading.then(() => readNewSends(this));
      reading = current.catch(() => {});
      return current;
    },
  });
}
