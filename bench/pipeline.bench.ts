// The engine at its limits, each figure beside the floor of the part it stands on, measured in the
// same run on the same stack (bench/pipeline-stack.ts):
//   burst     N contacts moved to `lead` at once through the API → every welcome email received;
//             floors: N no-op workflows on the same Temporal server, N raw pooled nodemailer sends.
//   latency   stage changes at a steady rate: API acknowledgement → email received, percentiles.
//   sleeping  N enrollments parked on a 30-day wait through the real pipeline, the worker's memory and
//             the API's p99 meanwhile; then all woken by their goal and finished, beside the no-op rate.
import { randomUUID } from "node:crypto";
import { markdownTable, percentile, runConcurrently } from "./bench-report.ts";
import { call, cpuUsed, type PipelineStack, rssMiB, SLEEPER_SEQUENCE } from "./pipeline-stack.ts";

/** Concurrent API clients, as a busy form backend or a CRM sync would be. */
const CLIENTS = 16;
const RAW_SEND_CONCURRENCY = 20;

const rate = (count: number, seconds: number) => Math.round(count / seconds);
const ms = (value: number) => `${Math.round(value)} ms`;
const sleep = (delayMs: number) => new Promise((resolve) => setTimeout(resolve, delayMs));

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Contacts with consent, created through the API; the outbox rows their creation wrote are delivered first. */
async function createContacts(stack: PipelineStack, prefix: string, count: number): Promise<string[]> {
  const ids: string[] = new Array(count);
  const run = randomUUID().slice(0, 8);
  await runConcurrently(count, CLIENTS, async (index) => {
    const created = await call(stack.baseUrl, "POST", "/v1/contacts", {
      email: `${prefix}${index}.${run}@bench.example`,
      name: `Reader ${index}`,
      marketingConsent: true,
    });
    if (created.status !== 201) throw new Error(`contact not created: ${created.status}`);
    ids[index] = created.body?.id as string;
  });
  await outboxDrained(stack, 60_000 + count * 50);
  return ids;
}

function outboxDrained(stack: PipelineStack, timeoutMs: number): Promise<void> {
  return waitFor(
    "outbox drained",
    timeoutMs,
    async () => (await stack.store.outbox.count({ where: { dispatchedAt: null } })) === 0,
  );
}

async function moveStage(stack: PipelineStack, contactId: string, stage: string): Promise<void> {
  const status = await tryMoveStage(stack, contactId, stage);
  if (status !== 200) throw new Error(`stage change refused: ${status}`);
}

async function tryMoveStage(stack: PipelineStack, contactId: string, stage: string): Promise<number> {
  const moved = await call(stack.baseUrl, "PUT", `/v1/contacts/${contactId}/stage`, {
    stage,
    reason: "bench",
  });
  return moved.status;
}

async function emailsOf(stack: PipelineStack, ids: string[]): Promise<string[]> {
  const rows = await stack.store.contact.findMany({
    where: { id: { in: ids } },
    select: { id: true, email: true },
  });
  const byId = new Map(rows.map((row) => [row.id, row.email]));
  return ids.map((id) => byId.get(id) as string);
}

type CpuUse = ReturnType<typeof cpuUsed>;

export interface BurstResult {
  contacts: number;
  pipelineSeconds: number;
  noopSeconds: number;
  rawSendSeconds: number;
  cpu: CpuUse;
  lines: string[];
}

/** CPU time per item by part: what the other load on a shared machine moves far less than times. */
function cpuLines(cpu: CpuUse, count: number, item: string): string[] {
  const perItem = (seconds: number) => `${((seconds * 1000) / count).toFixed(1)} ms`;
  const total = cpu.worker + cpu.temporal + cpu.benchmark + cpu.postgres;
  return markdownTable(
    [`CPU time per ${item} (from the first stage change to the last email)`, "per item", "in all"],
    [
      [
        "worker process (sequence and email workers, outbox dispatcher)",
        perItem(cpu.worker),
        `${cpu.worker.toFixed(1)} s`,
      ],
      ["Temporal dev server", perItem(cpu.temporal), `${cpu.temporal.toFixed(1)} s`],
      [
        "benchmark process (the API and its 16 clients)",
        perItem(cpu.benchmark),
        `${cpu.benchmark.toFixed(1)} s`,
      ],
      [
        "PostgreSQL backends of the benchmark database",
        perItem(cpu.postgres),
        `${cpu.postgres.toFixed(1)} s`,
      ],
      ["**all four**", `**${perItem(total)}**`, `**${total.toFixed(1)} s**`],
    ],
  );
}

export async function runBurst(stack: PipelineStack, contacts: number): Promise<BurstResult> {
  const ids = await createContacts(stack, "burst", contacts);
  const emails = await emailsOf(stack, ids);
  const already = stack.sink.arrivals.size;
  await stack.settle();
  const cpuBefore = await stack.cpuSeconds();
  const started = performance.now();
  await runConcurrently(contacts, CLIENTS, (index) => moveStage(stack, ids[index] as string, "lead"));
  const acknowledged = performance.now();
  await stack.sink.waitForArrivals(already + contacts, 120_000 + contacts * 500);
  const cpu = cpuUsed(cpuBefore, await stack.cpuSeconds());
  const last = Math.max(...emails.map((email) => stack.sink.arrivals.get(email) ?? Number.NaN));
  if (!Number.isFinite(last)) throw new Error("a burst contact got no email");
  const pipelineSeconds = (last - started) / 1000;
  await stack.settle();
  const noopSeconds = await stack.noopWorkflows(contacts, CLIENTS);
  const rawSendSeconds = await stack.rawSends(contacts, RAW_SEND_CONCURRENCY);
  const pipelineRate = contacts / pipelineSeconds;
  const lines = markdownTable(
    ["what", "time", "per second", "share of the floor"],
    [
      [
        `${contacts} stage changes to \`lead\` (${CLIENTS} API clients) → every welcome email received`,
        `${pipelineSeconds.toFixed(1)} s`,
        rate(contacts, pipelineSeconds),
        "-",
      ],
      [
        `(of which the API acknowledged all ${contacts} changes after)`,
        `${((acknowledged - started) / 1000).toFixed(1)} s`,
        rate(contacts, (acknowledged - started) / 1000),
        "-",
      ],
      [
        `floor: ${contacts} no-op workflows, same Temporal server (${CLIENTS} in flight)`,
        `${noopSeconds.toFixed(1)} s`,
        rate(contacts, noopSeconds),
        `${Math.round((pipelineRate * noopSeconds * 100) / contacts)}%`,
      ],
      [
        `floor: ${contacts} raw pooled nodemailer sends, same sink (${stack.config.smtpMaxConnections} connections, ${RAW_SEND_CONCURRENCY} in flight)`,
        `${rawSendSeconds.toFixed(1)} s`,
        rate(contacts, rawSendSeconds),
        `${Math.round((pipelineRate * rawSendSeconds * 100) / contacts)}%`,
      ],
    ],
  );
  lines.push("", ...cpuLines(cpu, contacts, "welcome email"));
  return { contacts, pipelineSeconds, noopSeconds, rawSendSeconds, cpu, lines };
}

export interface LatencyRow {
  perSecond: number;
  changes: number;
  /** Answered with an error (an overloaded API refuses rather than queueing without end). */
  refused: number;
  achievedPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** `changes` stage changes to `lead` issued on a fixed schedule of `perSecond`; latency per email in ms. */
async function latencyAt(stack: PipelineStack, perSecond: number, changes: number): Promise<LatencyRow> {
  const ids = await createContacts(stack, `latency${perSecond}-`, changes);
  const emails = await emailsOf(stack, ids);
  await stack.settle();
  const acks: Array<number | null> = new Array(changes).fill(null);
  const started = performance.now();
  await Promise.all(
    ids.map(async (id, index) => {
      await sleep(Math.max(0, started + (index * 1000) / perSecond - performance.now()));
      if ((await tryMoveStage(stack, id, "lead")) === 200) acks[index] = performance.now();
    }),
  );
  const issuedSeconds = (performance.now() - started) / 1000;
  const accepted = emails.filter((_, index) => acks[index] !== null);
  await waitFor("every latency email received", 120_000 + changes * 200, async () =>
    accepted.every((email) => stack.sink.arrivals.has(email)),
  );
  const latencies = emails.flatMap((email, index) => {
    const ack = acks[index];
    return ack === null || ack === undefined ? [] : [(stack.sink.arrivals.get(email) as number) - ack];
  });
  return {
    perSecond,
    changes,
    refused: changes - accepted.length,
    achievedPerSecond: Math.round(changes / issuedSeconds),
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
    max: Math.max(...latencies),
  };
}

export async function runLatency(
  stack: PipelineStack,
  schedule: Array<{ perSecond: number; changes: number }>,
) {
  const rows: LatencyRow[] = [];
  for (const { perSecond, changes } of schedule) rows.push(await latencyAt(stack, perSecond, changes));
  const lines = markdownTable(
    ["target rate", "changes", "refused by the API", "achieved rate", "p50", "p95", "p99", "max"],
    rows.map((row) => [
      `${row.perSecond}/s`,
      row.changes,
      row.refused,
      `${row.achievedPerSecond}/s`,
      ms(row.p50),
      ms(row.p95),
      ms(row.p99),
      ms(row.max),
    ]),
  );
  return { rows, lines };
}

export interface SleepingResult {
  enrollments: number;
  parkSeconds: number;
  wakeSeconds: number;
  noopSeconds: number;
  noopCount: number;
  lines: string[];
}

/** Sequential GETs of one contact until stopped: the API's latency while the pipeline is busy. */
function probeApi(stack: PipelineStack, contactId: string) {
  const latencies: number[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const started = performance.now();
      await call(stack.baseUrl, "GET", `/v1/contacts/${contactId}`);
      latencies.push(performance.now() - started);
      await sleep(20);
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return latencies;
    },
  };
}

const sleepersRunning = (stack: PipelineStack) =>
  stack.store.enrollment.count({ where: { sequenceKey: SLEEPER_SEQUENCE, status: "running" } });

export async function runSleeping(
  stack: PipelineStack,
  enrollments: number,
  noopCount: number,
): Promise<SleepingResult> {
  const ids = await createContacts(stack, "sleeper", enrollments);
  const rssBefore = rssMiB(stack.workerPid);
  const storeBefore = stack.temporalStoreBytes();
  const probe = probeApi(stack, ids[0] as string);
  const parkStarted = performance.now();
  await runConcurrently(enrollments, CLIENTS, (index) => moveStage(stack, ids[index] as string, "mql"));
  await outboxDrained(stack, 120_000 + enrollments * 100);
  await waitFor(
    "every enrollment parked",
    60_000,
    async () => (await sleepersRunning(stack)) === enrollments,
  );
  const parkSeconds = (performance.now() - parkStarted) / 1000;
  const parkLatencies = await probe.stop();
  // Let the worker settle (its sticky cache holds the parked runs) before reading its memory.
  await sleep(5_000);
  const rssParked = rssMiB(stack.workerPid);
  const temporalRss = rssMiB(stack.temporalPid);
  const storeParked = stack.temporalStoreBytes();

  const wakeProbe = probeApi(stack, ids[0] as string);
  const wakeStarted = performance.now();
  await runConcurrently(enrollments, CLIENTS, (index) => moveStage(stack, ids[index] as string, "customer"));
  await waitFor(
    "every enrollment finished",
    120_000 + enrollments * 100,
    async () => (await sleepersRunning(stack)) === 0,
  );
  const wakeSeconds = (performance.now() - wakeStarted) / 1000;
  const wakeLatencies = await wakeProbe.stop();
  const goals = await stack.store.enrollment.count({
    where: { sequenceKey: SLEEPER_SEQUENCE, status: { not: "running" } },
  });
  if (goals !== enrollments) throw new Error(`${goals} of ${enrollments} sleepers ended`);
  await stack.settle();
  const noopSeconds = await stack.noopWorkflows(noopCount, CLIENTS);
  const MiB = 2 ** 20;
  const lines = markdownTable(
    ["what", "figure"],
    [
      [
        `${enrollments} stage changes to \`mql\` → ${enrollments} runs parked on a 30-day wait`,
        `${parkSeconds.toFixed(1)} s (${rate(enrollments, parkSeconds)}/s)`,
      ],
      [
        "worker RSS before → with every run parked (5 s after the last)",
        `${rssBefore} MiB → ${rssParked} MiB`,
      ],
      ["Temporal dev server RSS with every run parked", `${temporalRss} MiB`],
      [
        "Temporal store (SQLite file + WAL) before → parked",
        `${(storeBefore / MiB).toFixed(1)} MiB → ${(storeParked / MiB).toFixed(1)} MiB`,
      ],
      [
        `API \`GET /v1/contacts/:id\` while parking (${parkLatencies.length} requests): p50 / p99`,
        `${ms(percentile(parkLatencies, 0.5))} / ${ms(percentile(parkLatencies, 0.99))}`,
      ],
      [
        `wake-up: ${enrollments} stage changes to \`customer\` (the goal) → every run finished`,
        `${wakeSeconds.toFixed(1)} s (${rate(enrollments, wakeSeconds)}/s)`,
      ],
      [
        `API \`GET /v1/contacts/:id\` while waking (${wakeLatencies.length} requests): p50 / p99`,
        `${ms(percentile(wakeLatencies, 0.5))} / ${ms(percentile(wakeLatencies, 0.99))}`,
      ],
      [
        `floor: ${noopCount} no-op workflows, same server (${CLIENTS} in flight)`,
        `${noopSeconds.toFixed(1)} s (${rate(noopCount, noopSeconds)}/s); wake-up at ${Math.round(((enrollments / wakeSeconds) * noopSeconds * 100) / noopCount)}% of it`,
      ],
    ],
  );
  return { enrollments, parkSeconds, wakeSeconds, noopSeconds, noopCount, lines };
}
