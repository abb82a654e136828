// `npm run demo:data [-- --contacts N]`: six months of a made-up population (default 5,000 contacts)
// in the database at DATABASE_URL, so /dashboard and every /v1/metrics route show something on day one.
//
// How it is written:
// - Touchpoints (page views, forms, downloads, carts, orders, deals, reviews) go through
//   ingestEvents, the code behind POST /v1/events, one batch per simulated day with that day as
//   "now": contacts, carts, orders, scores, MQL moves by the threshold, stage rules and segments are
//   what the API would have made of them.
// - Sales moves (SQL, handed back to lead or MQL: the backward moves) go through
//   changeStageInTransaction and refreshSegments, as PUT /v1/contacts/:id/stage does.
// - Opens and clicks go through recordEngagement (the tracking pixel and link redirect); unsubscribes
//   through unsubscribeContact (the unsubscribe page).
// - Program runs need Temporal, which this script does without: their enrollments, send-ledger rows
//   and sending-rules decisions (a defer, then the send, for an email held by quiet hours) are written
//   as the workflow's activities record them, with the plan's times. No email is sent.
// - The outbox rows the ingestion wrote are marked delivered at the end: they are history, and a
//   worker must not start six months of programs now. A worker running meanwhile may pick a few up.
//
// Runs once per database: it refuses when demo contacts (@demo.nurtureflow.example) are already there.

import { unsubscribeContact } from "../activities/consent/unsubscribe.ts";
import { changeStageInTransaction } from "../activities/contacts/stage-change.ts";
import { type IncomingEvent, ingestEvents } from "../activities/events/ingest-events.ts";
import { refreshSegments } from "../activities/segments/contact-segments.ts";
import { loadRuleSettings } from "../activities/settings/rule-settings.ts";
import { recordEngagement } from "../activities/tracking/record-engagement.ts";
import { parseConfig } from "../domain/config.ts";
import { DEMO_EMAIL_DOMAIN, type DemoAction, demoPopulation } from "../domain/demo/demo-population.ts";
import { openContactStore } from "../prisma/client.ts";

const DAYS = 182;
const DAY = 86_400_000;
const EVENT_BATCH = 1_000;
const CONCURRENCY = 4;

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

const contacts = Number(flag("contacts") ?? 5_000);
if (!Number.isInteger(contacts) || contacts < 1 || contacts > 10_000_000) {
  console.error("--contacts must be a whole number from 1 to 10,000,000");
  process.exit(2);
}
const config = parseConfig(process.env);
const store = openContactStore(config.databaseUrl);

const already = await store.contact.count({ where: { email: { endsWith: `@${DEMO_EMAIL_DOMAIN}` } } });
if (already > 0) {
  console.error(
    `demo data is already in this database (${already} contacts @${DEMO_EMAIL_DOMAIN}); it is written once. ` +
      "To start over, use an empty database (npm run db:migrate on a new DATABASE_URL).",
  );
  await store.$disconnect();
  process.exit(1);
}

const end = new Date();
const plan = demoPopulation({ contacts, days: DAYS, end });
console.log(`demo data: ${contacts} contacts, ${plan.length} actions over ${DAYS} days`);
const { segments: segmentThresholds } = await loadRuleSettings(store);

const contactIds = new Map<string, string>();
const contactOf = (email: string) => contactIds.get(email);
const runs = new Set<string>();
const ledgerIds = new Map<string, string>();
const unsubscribes = new Map<string, Date>();
for (const action of plan) if (action.kind === "unsubscribe") unsubscribes.set(action.email, action.at);
const totals = { events: 0, stageMoves: 0, runs: 0, emails: 0, opensAndClicks: 0, unsubscribes: 0 };

async function ingestDay(events: Array<Extract<DemoAction, { kind: "event" }>>): Promise<void> {
  for (let first = 0; first < events.length; first += EVENT_BATCH) {
    const batch = events.slice(first, first + EVENT_BATCH);
    const incoming: IncomingEvent[] = batch.map((event) => ({
      type: event.type,
      occurredAt: event.at,
      properties: event.properties,
      idempotencyKey: event.idempotencyKey,
      contact: { email: event.email, marketingConsent: event.marketingConsent },
    }));
    const now = batch[batch.length - 1]?.at ?? end;
    const result = await ingestEvents(store, incoming, now, false);
    for (const outcome of result.results) {
      if (outcome.status === "accepted")
        contactIds.set((batch[outcome.index] as DemoAction).email, outcome.contactId);
    }
    totals.events += result.accepted;
  }
}

async function writeRuns(actions: ReadonlyArray<Extract<DemoAction, { kind: "run" }>>): Promise<void> {
  const rows = actions.flatMap((action) => {
    const contactId = contactOf(action.email);
    if (!contactId) return [];
    runs.add(action.runId);
    return [
      {
        id: action.runId,
        sequenceKey: action.sequenceKey,
        sequenceVersion: 1,
        contactId,
        entryKey: action.entryKey,
        status: action.status,
        exitReason: action.exitReason,
        startedAt: action.at,
        endedAt: action.endedAt,
      },
    ];
  });
  await store.enrollment.createMany({ data: rows });
  totals.runs += rows.length;
}

async function writeSends(actions: ReadonlyArray<Extract<DemoAction, { kind: "send" }>>): Promise<void> {
  // Sending rules: no marketing email after an unsubscribe.
  const sends = actions.flatMap((action) => {
    const contactId = contactOf(action.email);
    const unsubscribedAt = unsubscribes.get(action.email);
    if (!contactId || !runs.has(action.runId) || (unsubscribedAt && unsubscribedAt <= action.at)) return [];
    return [{ action, contactId, ledgerKey: `${action.runId}/${action.stepId}` }];
  });
  await store.sendDecision.createMany({
    data: sends.flatMap(({ action, contactId }) => {
      const base = { contactId, enrollmentId: action.runId, stepId: action.stepId, category: "marketing" };
      const send = { ...base, attempt: action.deferredAt ? 2 : 1, decision: "send", decidedAt: action.at };
      if (!action.deferredAt) return [send];
      const reason = "quiet hours";
      return [
        {
          ...base,
          attempt: 1,
          decision: "defer",
          reason,
          deferUntil: action.at,
          decidedAt: action.deferredAt,
        },
        send,
      ];
    }),
  });
  const rows = await store.sendLedger.createManyAndReturn({
    select: { id: true, businessKey: true },
    data: sends.map(({ action, contactId, ledgerKey }) => ({
      businessKey: ledgerKey,
      enrollmentId: action.runId,
      stepId: action.stepId,
      contactId,
      templateKey: action.templateKey,
      toAddress: action.email,
      messageId: `<${ledgerKey.replaceAll("/", ".")}@${DEMO_EMAIL_DOMAIN}>`,
      status: action.bounced ? "bounced" : "sent",
      attempts: 1,
      createdAt: action.at,
      sentAt: action.bounced ? null : action.at,
      error: action.bounced ? "550 mailbox unavailable" : null,
    })),
  });
  for (const row of rows) ledgerIds.set(row.businessKey, String(row.id));
  totals.emails += rows.length;
}

type ContactAction = Extract<DemoAction, { kind: "engage" | "unsubscribe" | "stage" }>;

async function apply(action: ContactAction): Promise<void> {
  if (action.kind === "engage") {
    const ledgerId = ledgerIds.get(`${action.runId}/${action.stepId}`);
    if (!ledgerId) return;
    const engagement =
      action.engagement === "open"
        ? { kind: "open" as const }
        : { kind: "click" as const, url: "https://nurtureflow.example/offer" };
    if ((await recordEngagement(store, ledgerId, engagement, action.at)) === "recorded")
      totals.opensAndClicks += 1;
    return;
  }
  const contactId = contactOf(action.email);
  if (!contactId) return;
  if (action.kind === "unsubscribe") {
    if ((await unsubscribeContact(store, contactId, action.at)) === "unsubscribed") totals.unsubscribes += 1;
    return;
  }
  const changed = await store.$transaction(async (tx) => {
    const change = await changeStageInTransaction(tx, {
      contactId,
      to: action.to,
      reason: action.reason,
      source: "api",
      occurredAt: action.at,
    });
    if (change.changed) await refreshSegments(tx, [contactId], action.at, segmentThresholds);
    return change.changed;
  });
  if (changed) totals.stageMoves += 1;
}

/** Each contact's actions in order, a few contacts at a time (they lock different rows). */
async function applyByContact(actions: readonly ContactAction[]): Promise<void> {
  const chains = new Map<string, ContactAction[]>();
  for (const action of actions) {
    chains.set(action.email, [...(chains.get(action.email) ?? []), action]);
  }
  const queue = [...chains.values()];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let chain = queue.shift(); chain; chain = queue.shift()) {
        for (const action of chain) await apply(action);
      }
    }),
  );
}

const started = performance.now();
const dayOf = (action: DemoAction) => Math.floor(action.at.getTime() / DAY);
let position = 0;
let daysDone = 0;
while (position < plan.length) {
  const day = dayOf(plan[position] as DemoAction);
  const today: DemoAction[] = [];
  for (; position < plan.length && dayOf(plan[position] as DemoAction) === day; position++)
    today.push(plan[position] as DemoAction);
  const of = <K extends DemoAction["kind"]>(kind: K) =>
    today.filter((action): action is Extract<DemoAction, { kind: K }> => action.kind === kind);
  // The day's touchpoints first (they create the day's new contacts), then its program runs and
  // emails, then what contacts did with them and the sales team's moves, each contact in time order.
  await ingestDay(of("event"));
  await writeRuns(of("run"));
  await writeSends(of("send"));
  await applyByContact(
    today.filter((action): action is ContactAction =>
      ["engage", "unsubscribe", "stage"].includes(action.kind),
    ),
  );
  daysDone += 1;
  if (daysDone % 7 === 0 || position === plan.length) {
    const seconds = Math.round((performance.now() - started) / 1000);
    console.log(
      `  ${new Date(day * DAY).toISOString().slice(0, 10)}: ${Math.round((position / plan.length) * 100)}% ` +
        `(${contactIds.size} contacts, ${totals.events} events, ${totals.emails} emails, ${seconds} s)`,
    );
  }
}

const delivered = await store.$executeRaw`
  UPDATE "Outbox" SET "dispatchedAt" = now()
  WHERE "dispatchedAt" IS NULL
    AND "contactId" IN (SELECT id FROM "Contact" WHERE email LIKE ${`%@${DEMO_EMAIL_DOMAIN}`})`;
console.log(
  `done in ${Math.round((performance.now() - started) / 1000)} s: ${contactIds.size} contacts, ` +
    `${totals.events} events, ${totals.stageMoves} sales stage moves, ${totals.runs} program runs, ` +
    `${totals.emails} emails, ${totals.opensAndClicks} opens and clicks, ${totals.unsubscribes} unsubscribes; ` +
    `${delivered} outbox rows marked as history. Open /dashboard.`,
);
await store.$disconnect();
