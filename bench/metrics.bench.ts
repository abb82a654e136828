// `npm run bench:metrics`: every /v1/metrics route over 1,000,000 contacts and 10,000,000 events.
//
// The population is written with SQL generate_series straight into a dedicated benchmark database
// (nurtureflow_bench_metrics, migrated like production), NOT through the API: going through the
// ingestion code would take days on this machine, and the metric queries only read the tables.
// Every table a metric reads is filled in proportion (stage changes, score points, memberships,
// carts, orders, enrollments, ledger rows, send decisions) over the six months before now.
//
//   --contacts N   population size (events are 10 per contact); default 1,000,000
//   --keep         leave the database in place (a later run reuses it and only re-measures,
//                  after `prisma migrate deploy` applied any new migration)
//   --drop         drop the benchmark database and stop
//   BENCH_METRICS_DATABASE=name  another database than nurtureflow_bench_metrics (a copy made with
//                  CREATE DATABASE … TEMPLATE, to measure a branch's migrations without regenerating)
//
// Each route is asked RUNS times over the default period (the last 30 days) and over the whole six
// months; the figure is the median wall time of the HTTP request through the real express app. The
// raw floor is the same request to /healthz (one SELECT 1) in the same run.
import { spawnSync } from "node:child_process";
import type { AddressInfo } from "node:net";
import { cpus, loadavg, totalmem } from "node:os";
import pg from "pg";
import pino from "pino";
import { createApp } from "../api/app.ts";
import { parseConfig } from "../domain/config.ts";
import { openContactStore } from "../prisma/client.ts";
import { databaseUrl, withAdmin } from "../test/support/postgres.ts";

const DATABASE = process.env.BENCH_METRICS_DATABASE || "nurtureflow_bench_metrics";
const RUNS = 5;
const ROUTES = ["funnel", "sequences", "scoring", "customers"] as const;

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : (process.argv[index + 1] ?? "");
}
const contacts = Number(flag("contacts") ?? 1_000_000);
const keep = process.argv.includes("--keep");

async function dropDatabase(): Promise<void> {
  await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`));
}

async function ensureDatabase(): Promise<string> {
  const exists = await withAdmin(
    async (client) =>
      (await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE])).rowCount,
  );
  if (!exists) await withAdmin((client) => client.query(`CREATE DATABASE "${DATABASE}"`));
  const url = databaseUrl(DATABASE);
  const migrate = spawnSync("npx", ["prisma", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: url },
    encoding: "utf8",
  });
  if (migrate.status !== 0) throw new Error(`migrate deploy failed:\n${migrate.stdout}\n${migrate.stderr}`);
  return url;
}

/** Contact i's id: derived from i, so every table can point at contact i without a join. */
const CONTACT_ID = (i: string) => `md5('bench-contact-' || ${i})::uuid`;

/** The statements that fill the database; :N is the number of contacts. */
function populationSql(n: number): Array<{ what: string; sql: string }> {
  const events = n * 10;
  const orders = Math.round(n * 0.2);
  const carts = Math.round(n * 0.3);
  const enrollments = Math.round(n * 1.5);
  const ledger = Math.round(n * 3);
  const scorePoints = Math.round(n * 3);
  const decisions = Math.round(n * 0.5);
  // r: where contact i got to in the funnel (0..99), unrelated to when it was created (i % 180).
  const r = "((i * 37) % 100)";
  const reached = `CASE WHEN ${r} < 40 THEN 1 WHEN ${r} < 70 THEN 2 WHEN ${r} < 85 THEN 3 WHEN ${r} < 92 THEN 4 WHEN ${r} < 96 THEN 5 ELSE 6 END`;
  const stages = "ARRAY['subscriber','lead','mql','sql','opportunity','customer']";
  const segments = "ARRAY['new','lead','waiting','at_risk','lost','occasional','repeat','hero']";
  const sequences = "ARRAY['welcome','nurture-lead','cart-recovery','post-purchase']";
  return [
    {
      what: `${n} contacts`,
      sql: `INSERT INTO "Contact" (id, email, "lifecycleStage", "highestStage", segment, "marketingConsent",
          "createdAt", "updatedAt", "lastActivityAt", "unsubscribedAt")
        SELECT ${CONTACT_ID("i")}, 'c' || i || '@bench.test',
          (${stages})[CASE WHEN ${r} % 17 = 0 AND ${reached} > 1 THEN ${reached} - 1 ELSE ${reached} END],
          (${stages})[${reached}], (${segments})[1 + (i * 7) % 8], true,
          now() - (i % 180) * interval '1 day' - (i % 86400) * interval '1 second', now(), now() - (i % 60) * interval '1 day',
          CASE WHEN i % 50 = 0 THEN now() - (i % 170) * interval '1 day' END
        FROM generate_series(1, ${n}) AS i`,
    },
    {
      // Forward moves up to the stage reached, 3 hours to 9 days apart, and a backward move for 1 in 17.
      what: "stage changes",
      sql: `INSERT INTO "StageChange" ("contactId", "fromStage", "toStage", reason, source, "occurredAt")
        SELECT ${CONTACT_ID("i")}, (${stages})[k - 1], (${stages})[k], 'bench', CASE WHEN k = 3 THEN 'scoring' ELSE 'api' END,
          now() - (i % 180) * interval '1 day' + (k - 1) * ((i % 72) + 3) * interval '3 hours'
        FROM generate_series(1, ${n}) AS i, generate_series(2, 6) AS k
        WHERE k <= ${reached}
        UNION ALL
        SELECT ${CONTACT_ID("i")}, (${stages})[${reached}], (${stages})[${reached} - 1], 'bench', 'segment',
          now() - (i % 180) * interval '1 day' + 6 * ((i % 72) + 3) * interval '3 hours'
        FROM generate_series(1, ${n}) AS i WHERE ${r} % 17 = 0 AND ${reached} > 1`,
    },
    {
      what: `${events} events`,
      sql: `INSERT INTO "Event" ("contactId", type, "occurredAt", "idempotencyKey")
        SELECT ${CONTACT_ID(`(j % ${n}) + 1`)},
          (ARRAY['page_view','page_view','page_view','form_submitted','content_downloaded','cart_updated','email_opened','email_clicked'])[1 + j % 8],
          now() - (j % 15552000) * interval '1 second', 'bench-' || j
        FROM generate_series(1, ${events}) AS j`,
    },
    {
      what: `${scorePoints} score points`,
      sql: `INSERT INTO "ScoreContribution" ("contactId", rule, points, "occurredAt")
        SELECT ${CONTACT_ID(`(j % ${n}) + 1`)},
          (ARRAY['page_view','form_submitted','content_downloaded','email_clicked','pricing_page','demo_request'])[1 + j % 6],
          (ARRAY[1, 10, 8, 3, 5, 25])[1 + j % 6], now() - (j % 15552000) * interval '1 second'
        FROM generate_series(1, ${scorePoints}) AS j`,
    },
    {
      what: "segment memberships",
      sql: `INSERT INTO "SegmentMembership" ("contactId", segment, "enteredAt", "leftAt")
        SELECT ${CONTACT_ID("i")}, 'new', now() - (i % 180) * interval '1 day', now() - (i % 90) * interval '1 day'
        FROM generate_series(1, ${n}) AS i
        UNION ALL
        SELECT ${CONTACT_ID("i")}, (${segments})[1 + (i * 7) % 8], now() - (i % 90) * interval '1 day', NULL
        FROM generate_series(1, ${n}) AS i`,
    },
    {
      what: `${carts} carts`,
      sql: `INSERT INTO "Cart" (id, "contactId", status, value, "createdAt", "updatedAt", "abandonedAt")
        SELECT 'cart-' || j, ${CONTACT_ID(`((j * 3) % ${n}) + 1`)},
          CASE WHEN j % 3 = 0 THEN 'abandoned' WHEN j % 3 = 1 THEN 'purchased' ELSE 'open' END, 20 + j % 180,
          now() - (j % 180) * interval '1 day', now(), CASE WHEN j % 3 = 0 THEN now() - (j % 180) * interval '1 day' END
        FROM generate_series(1, ${carts}) AS j`,
    },
    {
      what: `${orders} orders`,
      sql: `INSERT INTO "Order" (id, "contactId", "cartId", total, "placedAt")
        SELECT 'order-' || j, ${CONTACT_ID(`((j * 3) % ${n}) + 1`)}, CASE WHEN j <= ${carts} THEN 'cart-' || j END,
          20 + j % 180, now() - (j % 180) * interval '1 day' + interval '2 hours'
        FROM generate_series(1, ${orders}) AS j`,
    },
    {
      what: "contact order totals",
      sql: `UPDATE "Contact" c SET "orderCount" = o.orders, "totalRevenue" = o.revenue, "lastOrderAt" = o.last
        FROM (SELECT "contactId", count(*) AS orders, sum(total) AS revenue, max("placedAt") AS last
              FROM "Order" GROUP BY "contactId") o
        WHERE c.id = o."contactId"`,
    },
    {
      what: `${enrollments} enrollments`,
      sql: `INSERT INTO "Enrollment" (id, "sequenceKey", "sequenceVersion", "contactId", "entryKey", status, "exitReason", "startedAt", "endedAt")
        SELECT 'enr-' || j, (${sequences})[1 + j % 4], 1 + j % 2, ${CONTACT_ID(`(j % ${n}) + 1`)},
          CASE j % 4 WHEN 2 THEN 'cartId/cart-' || j WHEN 3 THEN 'orderId/order-' || j ELSE 'once' END,
          CASE WHEN j % 10 < 5 THEN 'completed' WHEN j % 10 < 7 THEN 'exited' ELSE 'running' END,
          CASE WHEN j % 10 = 5 THEN 'goal' WHEN j % 10 = 6 THEN 'unsubscribed' END,
          now() - (j % 180) * interval '1 day', CASE WHEN j % 10 < 7 THEN now() - (j % 180) * interval '1 day' + interval '5 days' END
        FROM generate_series(1, ${enrollments}) AS j`,
    },
    {
      what: `${ledger} ledger rows`,
      sql: `INSERT INTO "SendLedger" ("businessKey", "enrollmentId", "stepId", "contactId", "templateKey", "toAddress", "messageId", status, "createdAt", "sentAt", "firstOpenedAt", "firstClickedAt")
        SELECT 'bk-' || k, 'enr-' || e, 'email-' || (k % 3), ${CONTACT_ID(`(e % ${n}) + 1`)}, 'template-' || (k % 3),
          'c' || ((e % ${n}) + 1) || '@bench.test', 'm-' || k,
          CASE WHEN k % 50 = 0 THEN 'bounced' WHEN k % 50 = 1 THEN 'suppressed' ELSE 'sent' END,
          now() - (e % 180) * interval '1 day' + (k % 3) * interval '1 day',
          now() - (e % 180) * interval '1 day' + (k % 3) * interval '1 day',
          CASE WHEN k % 10 < 3 THEN now() - (e % 180) * interval '1 day' + (k % 3) * interval '1 day' + interval '1 hour' END,
          CASE WHEN k % 10 = 0 THEN now() - (e % 180) * interval '1 day' + (k % 3) * interval '1 day' + interval '2 hours' END
        FROM (SELECT k, (k % ${enrollments}) + 1 AS e FROM generate_series(1, ${ledger}) AS k) s`,
    },
    {
      what: `${decisions} send decisions`,
      sql: `INSERT INTO "SendDecision" ("contactId", "enrollmentId", "stepId", attempt, category, decision, reason, "deferUntil", "decidedAt")
        SELECT ${CONTACT_ID(`(e % ${n}) + 1`)}, 'enr-' || e, 'email-' || (k % 3), 1 + k / ${enrollments}, 'marketing',
          CASE WHEN k % 5 = 0 THEN 'defer' ELSE 'send' END, CASE WHEN k % 5 = 0 THEN 'quiet_hours' END,
          CASE WHEN k % 5 = 0 THEN now() - (e % 180) * interval '1 day' + interval '8 hours' END,
          now() - (e % 180) * interval '1 day' + (k % 3) * interval '1 day'
        FROM (SELECT k, (k % ${enrollments}) + 1 AS e FROM generate_series(1, ${decisions}) AS k) s`,
    },
  ];
}

async function generate(url: string): Promise<number> {
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  try {
    const { rows } = await sql.query<{ count: number }>(`SELECT count(*)::int AS count FROM "Contact"`);
    if (rows[0]?.count) {
      console.log(`reusing ${rows[0].count} contacts already in ${DATABASE} (--drop to start over)`);
      return 0;
    }
    const started = performance.now();
    await sql.query("SET synchronous_commit = off");
    for (const step of populationSql(contacts)) {
      const stepStarted = performance.now();
      process.stdout.write(`inserting ${step.what}... `);
      const result = await sql.query(step.sql);
      console.log(`${result.rowCount} rows in ${((performance.now() - stepStarted) / 1000).toFixed(0)} s`);
    }
    await sql.query("VACUUM ANALYZE");
    return (performance.now() - started) / 1000;
  } finally {
    await sql.end();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function timeRequest(base: string, path: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const response = await fetch(`${base}${path}`);
  const body = await response.text();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${body}`);
  return { ms: performance.now() - started, bytes: body.length };
}

async function measure(url: string): Promise<Record<string, unknown>> {
  const store = openContactStore(url);
  const config = parseConfig({ DATABASE_URL: url });
  const app = createApp({ config, store, logger: pino({ level: "silent" }) });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sixMonthsAgo = new Date(Date.now() - 183 * 86_400_000).toISOString().slice(0, 10);
  const periods = { "last 30 days": "", "six months": `?from=${sixMonthsAgo}&bucket=week` };
  const figures: Record<string, unknown> = {};
  try {
    const floor: number[] = [];
    for (let run = 0; run < RUNS; run++) floor.push((await timeRequest(base, "/healthz")).ms);
    figures.floorMs = Math.round(median(floor) * 10) / 10;
    for (const [label, query] of Object.entries(periods)) {
      for (const route of ROUTES) {
        const times: number[] = [];
        let bytes = 0;
        // The first request warms the connection pool and the page cache; it is not counted.
        await timeRequest(base, `/v1/metrics/${route}${query}`);
        for (let run = 0; run < RUNS; run++) {
          const timed = await timeRequest(base, `/v1/metrics/${route}${query}`);
          times.push(timed.ms);
          bytes = timed.bytes;
        }
        figures[`${route} (${label})`] = {
          medianMs: Math.round(median(times)),
          maxMs: Math.round(Math.max(...times)),
          bytes,
        };
        console.log(route, label, figures[`${route} (${label})`]);
      }
    }
  } finally {
    server.close();
    await store.$disconnect();
  }
  return figures;
}

if (process.argv.includes("--drop")) {
  await dropDatabase();
  console.log(`dropped ${DATABASE}`);
  process.exit(0);
}
const url = await ensureDatabase();
const generateSeconds = await generate(url);
const figures = await measure(url);
console.log(
  JSON.stringify(
    {
      contacts,
      events: contacts * 10,
      generateSeconds: Math.round(generateSeconds),
      nproc: spawnSync("nproc", { encoding: "utf8" }).stdout.trim(),
      cpu: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      loadAverage: loadavg().map((load) => Math.round(load * 100) / 100),
      figures,
    },
    null,
    2,
  ),
);
if (!keep) {
  await dropDatabase();
  console.log(`dropped ${DATABASE}`);
}
process.exit(0);
