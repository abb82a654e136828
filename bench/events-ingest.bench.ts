// Events ingested per second through POST /v1/events (batches of 1,000, with contact resolution,
// scoring, stage rules, segment updates and outbox rows), next to PostgreSQL's raw insert rate of
// the same event rows into a copy of the Event table, measured in the same run.
import type { AddressInfo } from "node:net";
import pg from "pg";
import pino from "pino";
import { createApp } from "../api/app.ts";
import { parseConfig } from "../domain/config.ts";
import { openContactStore } from "../prisma/client.ts";
import { createBenchDatabase } from "./bench-database.ts";

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 5_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const BATCH = 1_000;
const DAY_MS = 86_400_000;

// Roughly what a storefront with a blog sends: mostly views and email engagement, some commerce.
const MIX: Array<[string, number]> = [
  ["page_view", 50],
  ["email_opened", 18],
  ["email_clicked", 8],
  ["form_submitted", 4],
  ["content_downloaded", 3],
  ["cart_updated", 8],
  ["cart_abandoned", 4],
  ["order_placed", 3],
  ["social_interaction", 2],
];

export function makeEvents(now: number) {
  const weights = MIX.flatMap(([type, weight]) => Array<string>(weight).fill(type));
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: EVENTS }, (_, i) => {
    const type = weights[Math.floor(random() * weights.length)] as string;
    const contact = Math.floor(random() * CONTACTS);
    const properties: Record<string, unknown> =
      type === "page_view"
        ? { path: random() < 0.1 ? "/pricing" : `/blog/${i % 50}` }
        : type.startsWith("cart_")
          ? { cartId: `cart-${contact}`, value: 40 }
          : type === "order_placed"
            ? { orderId: `order-${i}`, total: 60, cartId: `cart-${contact}` }
            : {};
    return {
      type,
      contact: { email: `contact${contact}@bench.test` },
      occurredAt: new Date(now - random() * 30 * DAY_MS).toISOString(),
      properties,
      idempotencyKey: `bench-${i}`,
    };
  });
}

export interface IngestBenchResult {
  events: number;
  contacts: number;
  batchSize: number;
  apiSeconds: number;
  apiEventsPerSecond: number;
  rawSeconds: number;
  rawRowsPerSecond: number;
  contactsCreated: number;
  stageChanges: number;
  segmentChanges: number;
  outboxRows: number;
}

export async function runEventsIngestBench(): Promise<IngestBenchResult> {
  const database = await createBenchDatabase("ingest");
  const store = openContactStore(database.url);
  const config = parseConfig({ DATABASE_URL: database.url });
  const server = createApp({ config, store, logger: pino({ level: "warn" }) }).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/events`;
  try {
    const events = makeEvents(Date.now());
    let stageChanges = 0;
    let segmentChanges = 0;
    const started = performance.now();
    for (let offset = 0; offset < events.length; offset += BATCH) {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ events: events.slice(offset, offset + BATCH) }),
      });
      if (response.status !== 200)
        throw new Error(`batch at ${offset}: ${response.status} ${await response.text()}`);
      const result = (await response.json()) as { stageChanges: number; segmentChanges: number };
      stageChanges += result.stageChanges;
      segmentChanges += result.segmentChanges;
    }
    const apiSeconds = (performance.now() - started) / 1000;

    // The same rows, as stored, inserted raw into a copy of the table with the same indexes.
    const raw = new pg.Client({ connectionString: database.url });
    await raw.connect();
    await raw.query(`CREATE TABLE event_raw (LIKE "Event" INCLUDING ALL)`);
    const rows = await raw.query<{
      contactId: string;
      type: string;
      occurredAt: Date;
      properties: string;
      idempotencyKey: string;
    }>(
      `SELECT "contactId", type, "occurredAt", properties::text AS properties, "idempotencyKey" FROM "Event" ORDER BY id`,
    );
    const rawStarted = performance.now();
    for (let offset = 0; offset < rows.rows.length; offset += BATCH) {
      const slice = rows.rows.slice(offset, offset + BATCH);
      await raw.query(
        `INSERT INTO event_raw ("contactId", type, "occurredAt", properties, "idempotencyKey")
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamp[], $4::jsonb[], $5::text[])`,
        [
          slice.map((r) => r.contactId),
          slice.map((r) => r.type),
          slice.map((r) => r.occurredAt),
          slice.map((r) => r.properties),
          slice.map((r) => r.idempotencyKey),
        ],
      );
    }
    const rawSeconds = (performance.now() - rawStarted) / 1000;
    await raw.end();
    return {
      events: events.length,
      contacts: CONTACTS,
      batchSize: BATCH,
      apiSeconds,
      apiEventsPerSecond: Math.round(events.length / apiSeconds),
      rawSeconds,
      rawRowsPerSecond: Math.round(rows.rows.length / rawSeconds),
      contactsCreated: await store.contact.count(),
      stageChanges,
      segmentChanges,
      outboxRows: await store.outbox.count(),
    };
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await store.$disconnect();
    await database.drop();
  }
}
