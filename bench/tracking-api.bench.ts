// Events per second through Segment's POST /v1/batch beside POST /v1/events: the same generated events
// (bench/events-ingest.bench.ts's mix), as Segment track and page messages, in the same run, each path
// into its own fresh database, batches of 1,000 posted sequentially to the real API in-process.
import type { AddressInfo } from "node:net";
import pino from "pino";
import { createApp } from "../api/app.ts";
import { parseConfig } from "../domain/config.ts";
import { openContactStore } from "../prisma/client.ts";
import { createBenchDatabase } from "./bench-database.ts";
import { makeEvents } from "./events-ingest.bench.ts";

const BATCH = 1_000;

type BenchEvent = ReturnType<typeof makeEvents>[number];

function asSegmentMessage(event: BenchEvent) {
  const common = {
    messageId: event.idempotencyKey,
    // A server-side source names its users: the user id, with the email in the context's traits.
    userId: `user-${event.contact.email}`,
    timestamp: event.occurredAt,
    context: { traits: { email: event.contact.email } },
    properties: event.properties,
  };
  return event.type === "page_view"
    ? { ...common, type: "page" }
    : { ...common, type: "track", event: event.type };
}

async function timePath(
  label: string,
  path: string,
  bodies: unknown[],
): Promise<{ seconds: number; stored: number }> {
  const database = await createBenchDatabase(label);
  const store = openContactStore(database.url);
  const config = parseConfig({ DATABASE_URL: database.url });
  const server = createApp({ config, store, logger: pino({ level: "warn" }) }).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  try {
    const started = performance.now();
    for (const body of bodies) {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    }
    const seconds = (performance.now() - started) / 1000;
    return { seconds, stored: await store.event.count() };
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await store.$disconnect();
    await database.drop();
  }
}

export async function runTrackingApiBench(events = Number(process.env.BENCH_TRACKING_EVENTS ?? 20_000)) {
  const all = makeEvents(Date.now()).slice(0, events);
  const batches: BenchEvent[][] = [];
  for (let offset = 0; offset < all.length; offset += BATCH) batches.push(all.slice(offset, offset + BATCH));
  const native = await timePath(
    "native",
    "/v1/events",
    batches.map((batch) => ({ events: batch })),
  );
  const segment = await timePath(
    "segment",
    "/v1/batch",
    batches.map((batch) => ({ batch: batch.map(asSegmentMessage), sentAt: new Date().toISOString() })),
  );
  return {
    events: all.length,
    batchSize: BATCH,
    eventsApi: {
      seconds: native.seconds,
      eventsPerSecond: Math.round(all.length / native.seconds),
      stored: native.stored,
    },
    segmentBatch: {
      seconds: segment.seconds,
      eventsPerSecond: Math.round(all.length / segment.seconds),
      stored: segment.stored,
    },
  };
}
