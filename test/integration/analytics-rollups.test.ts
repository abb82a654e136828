// Issue #11: the metrics read from the trigger-maintained roll-ups (rollup-sql.ts) equal the same
// metrics computed live from the fact tables, on one seeded random population, after every kind of
// change the roll-ups must follow: bulk writes, late facts landing in old hours, emails written before
// their run, sends, opens and clicks hours later, runs ending, forward and backward stage moves,
// segment changes, merges, orders, a contact's erasure, deleted emails and a deleted contact (its runs
// and memberships go with it). Periods: UTC, Europe/Rome, a New York month across the DST change,
// weekly buckets, and a period that ended in the past so that outcomes after its end must not count.
// The funnel's stage visits (migration 20261203100000) are followed through stage histories written in
// bulk and one row at a time, late, moved, deleted, and by two transactions at once; the funnel reads its
// roll-ups for every period, the cut hours of the Kolkata and 10:30 ones from the visits.
// Scoring: points before and after MQL entries, contacts reaching MQL twice, late points, entries moved
// or removed, and a merge moving a ghost's points to the contact.
// Unsubscribes: contacts unsubscribed before their emails were written and sent, or one at a time after,
// a credited email unsent, a credited run deleted, a credited email written before its run.
// Deferrals: steps put off again and again in one statement and one at a time, some dated before the
// step's first, and the runs of a deleted contact (their deferrals go with them).
// Orders too: late ones before a buyer's first, buyers changing segment, program emails sent or deleted
// that credit orders already stored, program runs written after their emails or deleted, a real merge.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { customerMetrics } from "../../activities/analytics/customer-metrics.ts";
import { funnelMetrics } from "../../activities/analytics/funnel-metrics.ts";
import { scoringMetrics } from "../../activities/analytics/scoring-metrics.ts";
import { sequenceMetrics } from "../../activities/analytics/sequence-metrics.ts";
import { eraseContact } from "../../activities/contacts/contact-erasure.ts";
import { mergeGhostInto } from "../../activities/contacts/contact-merge.ts";
import { CART_RECOVERY_PROGRAM, POST_PURCHASE_PROGRAM } from "../../domain/analytics/customer-report.ts";
import { parsePeriodEdge, type ReportPeriod } from "../../domain/analytics/report-period.ts";
import { LIFECYCLE_STAGES } from "../../domain/lifecycle/stages.ts";
import { seededRandom } from "../../domain/random/seeded-random.ts";
import { type ContactStore, openContactStore } from "../../prisma/client.ts";
import { createDatabaseFromTemplate } from "../support/postgres.ts";
import { waitUntil } from "../support/wait.ts";

let store: ContactStore;
const random = seededRandom(11);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const START = Date.parse("2026-09-01T00:00:00Z");
const DAYS = 90;
/** A random instant in the population's three months, at any minute. */
const someTime = () => new Date(START + Math.floor(random() * DAYS * 24 * 60) * 60_000);
const later = (at: Date, maxHours: number) =>
  new Date(at.getTime() + Math.floor(random() * maxHours * 60) * 60_000);
const SEGMENTS = ["new", "lead", "occasional", "repeat", "at_risk"] as const;
const SEQUENCES = ["welcome", "nurture-lead", "cart-recovery"] as const;
const STEPS = ["email-1", "email-2", "email-3"] as const;

const contactIds: string[] = [];
const enrollmentIds: string[] = [];
let ledgerKey = 0;

function period(
  from: string,
  to: string,
  timeZone: string,
  bucket: ReportPeriod["bucket"] = "day",
): ReportPeriod {
  const edge = (text: string, which: "from" | "to") => {
    const parsed = parsePeriodEdge(text, which, timeZone);
    if (!parsed) throw new Error(`bad edge ${text}`);
    return parsed;
  };
  return { from: edge(from, "from"), to: edge(to, "to"), timeZone, bucket };
}

const PERIODS: Record<string, ReportPeriod> = {
  "October in UTC": period("2026-10-01", "2026-10-31", "UTC"),
  "October in Rome": period("2026-10-01", "2026-10-31", "Europe/Rome"),
  "New York across the DST change, weekly": period("2026-10-20", "2026-11-20", "America/New_York", "week"),
  "all three months and after, weekly": period("2026-09-01", "2026-12-31", "Europe/Rome", "week"),
  "a period ending at a whole hour mid-afternoon": period("2026-09-10T00:00Z", "2026-10-02T15:00Z", "UTC"),
  // Not whole hours: the cut hours are read from the facts, the whole ones from the roll-ups.
  "October in Kolkata (UTC+05:30)": period("2026-10-01", "2026-10-31", "Asia/Kolkata"),
  "edges at 10:30 and 17:45": period("2026-09-20T10:30Z", "2026-10-12T17:45Z", "UTC"),
};

function ledgerRow(enrollmentId: string, contactId: string, createdAt: Date) {
  ledgerKey += 1;
  return {
    businessKey: `rollup-test-${ledgerKey}`,
    enrollmentId,
    stepId: pick(STEPS),
    contactId,
    templateKey: pick(["template-a", "template-b"]),
    toAddress: "someone@example.com",
    messageId: `rollup-test-message-${ledgerKey}`,
    createdAt,
  };
}

function sendDecision(
  run: { id: string; contactId: string },
  stepId: string,
  attempt: number,
  decision: string,
  decidedAt: Date,
) {
  return {
    contactId: run.contactId,
    enrollmentId: run.id,
    stepId,
    attempt,
    category: "marketing",
    decision,
    decidedAt,
  };
}

/**
 * A random walk through the stages, forward and backward, from around the contact's creation: some
 * changes come before it (a history merged in), some at the same instant (the order is then the id's),
 * a few contacts convert from one stage twice. The first contacts (merged, erased, deleted below) have one.
 */
function stageHistory(contactId: string, createdAt: Date, index: number) {
  const changes: Array<{
    contactId: string;
    fromStage: string;
    toStage: string;
    reason: string;
    source: string;
    occurredAt: Date;
  }> = [];
  let stage = "subscriber";
  let at = random() < 0.1 ? new Date(createdAt.getTime() - 3_600_000) : createdAt;
  for (let n = index < 8 ? 1 + Math.floor(random() * 3) : Math.floor(random() * 5); n > 0; n--) {
    const to = pick(LIFECYCLE_STAGES.filter((next) => next !== stage));
    at = random() < 0.1 ? at : later(at, 24 * 12);
    changes.push({
      contactId,
      fromStage: stage,
      toStage: to,
      reason: "test",
      source: pick(["api", "scoring"]),
      occurredAt: at,
    });
    stage = to;
  }
  return changes;
}

/** Contacts, memberships, runs and pending emails, written in bulk (statement triggers over many rows). */
async function writePopulation(contacts: number) {
  const rows = Array.from({ length: contacts }, (_, i) => {
    const stage = Math.floor(random() * LIFECYCLE_STAGES.length);
    const orders = random() < 0.3 ? 1 + Math.floor(random() * 4) : 0;
    const id = crypto.randomUUID();
    contactIds.push(id);
    return {
      id,
      email: `rollup-${contactIds.length}-${i}@example.com`,
      createdAt: someTime(),
      lifecycleStage: LIFECYCLE_STAGES[stage] as string,
      highestStage: LIFECYCLE_STAGES[
        Math.min(LIFECYCLE_STAGES.length - 1, stage + (random() < 0.2 ? 1 : 0))
      ] as string,
      segment: pick(SEGMENTS),
      orderCount: orders,
      totalRevenue: orders * (10 + Math.floor(random() * 90)),
      // Unsubscribed before their emails are written and sent (the sends below credit it).
      unsubscribedAt: random() < 0.25 ? someTime() : null,
    };
  });
  await store.contact.createMany({ data: rows });
  await store.stageChange.createMany({
    data: rows.flatMap((row, i) => stageHistory(row.id, row.createdAt, i)),
  });
  await store.segmentMembership.createMany({
    data: rows.map((row) => {
      const enteredAt = someTime();
      return {
        contactId: row.id,
        segment: row.segment,
        enteredAt,
        leftAt: random() < 0.3 ? later(enteredAt, 24 * 20) : null,
      };
    }),
  });
  const runs = rows.flatMap((row) =>
    Array.from({ length: Math.floor(random() * 3) }, () => {
      const id = `rollup-run-${enrollmentIds.length}`;
      enrollmentIds.push(id);
      return {
        id,
        sequenceKey: pick(SEQUENCES),
        sequenceVersion: 1 + Math.floor(random() * 2),
        contactId: row.id,
        entryKey: "once",
        startedAt: someTime(),
      };
    }),
  );
  await store.enrollment.createMany({ data: runs });
  // Sending-rules decisions: a step put off once or again and again (its attempts across days), then sent
  // or dropped; written in one statement, so one trigger call sees several deferrals of the same step.
  await store.sendDecision.createMany({
    data: runs.flatMap((run) =>
      STEPS.filter(() => random() < 0.4).flatMap((stepId) => {
        let decidedAt = later(run.startedAt, 24 * 5);
        return Array.from({ length: 1 + Math.floor(random() * 3) }, (_, attempt) => {
          decidedAt = later(decidedAt, 24 * 3);
          return sendDecision(
            run,
            stepId,
            attempt + 1,
            pick(["defer", "defer", "send", "expire"]),
            decidedAt,
          );
        });
      }),
    ),
  });
  await store.sendLedger.createMany({
    data: runs.flatMap((run) =>
      Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
        ledgerRow(run.id, run.contactId, later(run.startedAt, 24 * 5)),
      ),
    ),
  });
}

/** One-row changes as the app makes them: sends, opens, clicks, run ends, stage and segment moves. */
async function changeOneByOne(changes: number) {
  const pending = await store.sendLedger.findMany({ where: { status: "pending" }, take: changes });
  for (const email of pending) {
    const outcome = random();
    const sentAt = later(email.createdAt, 2);
    await store.sendLedger.update({
      where: { id: email.id },
      data:
        outcome < 0.1
          ? { status: "bounced" }
          : outcome < 0.2
            ? { status: "suppressed" }
            : {
                status: "sent",
                sentAt,
                firstOpenedAt: random() < 0.5 ? later(sentAt, 24 * 10) : null,
                firstClickedAt: random() < 0.2 ? later(sentAt, 24 * 12) : null,
              },
    });
  }
  const running = await store.enrollment.findMany({ where: { status: "running" }, take: changes });
  for (const run of running) {
    const status = pick(["completed", "exited", "exited"]);
    await store.enrollment.update({
      where: { id: run.id },
      data: {
        status,
        exitReason: status === "exited" ? pick(["goal", "unsubscribed", "manual"]) : null,
        endedAt: later(run.startedAt, 24 * 15),
        steps: [],
      },
    });
  }
  // Deferrals one at a time: another attempt of a step already decided, some dated before its first one
  // (a clock behind), and a first deferral of a step that had none.
  const decided = await store.sendDecision.findMany({ take: changes, orderBy: { id: "asc" } });
  for (const [i, earlier] of decided.entries()) {
    const run = { id: earlier.enrollmentId, contactId: earlier.contactId };
    const at =
      i % 3 === 0 ? new Date(earlier.decidedAt.getTime() - 3_600_000) : later(earlier.decidedAt, 24 * 4);
    await store.sendDecision.create({ data: sendDecision(run, earlier.stepId, 100 + i, "defer", at) });
    await store.sendDecision.create({ data: sendDecision(run, "email-late", 1 + i, "defer", someTime()) });
  }
  // Unsubscribes one at a time, after some of the contact's emails were sent.
  for (let i = 0; i < changes / 4; i++) {
    await store.contact.updateMany({
      where: { id: pick(contactIds), unsubscribedAt: null },
      data: { unsubscribedAt: someTime(), marketingConsent: false },
    });
  }
  for (let i = 0; i < changes; i++) {
    const id = pick(contactIds);
    await oneStageChange(id);
    await store.contact.update({
      where: { id },
      data: {
        // Forward and backward moves, and unrelated updates that must not touch the tallies.
        lifecycleStage: pick(LIFECYCLE_STAGES),
        highestStage: random() < 0.5 ? pick(LIFECYCLE_STAGES) : undefined,
        lastActivityAt: someTime(),
        ...(random() < 0.3 ? { orderCount: { increment: 1 }, totalRevenue: { increment: 25 } } : {}),
      },
    });
    if (random() < 0.5) {
      const open = await store.segmentMembership.findFirst({ where: { contactId: id, leftAt: null } });
      const at = someTime();
      const segment = pick(SEGMENTS);
      if (open) await store.segmentMembership.update({ where: { id: open.id }, data: { leftAt: at } });
      await store.contact.update({ where: { id }, data: { segment } });
      await store.segmentMembership.create({ data: { contactId: id, segment, enteredAt: at } });
    }
  }
}

/**
 * One row-at-a-time write to a contact's stage history: a change after its last one, a late one
 * landing between two others, one moved in time, one deleted.
 */
async function oneStageChange(contactId: string) {
  const history = await store.stageChange.findMany({ where: { contactId }, orderBy: { occurredAt: "asc" } });
  const last = history.at(-1);
  const kind = random();
  const middle = history[Math.floor(random() * history.length)];
  if (middle && kind < 0.2) {
    await store.stageChange.update({
      where: { id: middle.id },
      data: { occurredAt: later(middle.occurredAt, 24 * 5) },
    });
  } else if (middle && kind < 0.3) {
    await store.stageChange.delete({ where: { id: middle.id } });
  } else {
    const from = last?.toStage ?? "subscriber";
    const after = kind < 0.6 && middle ? middle.occurredAt : (last?.occurredAt ?? someTime());
    await store.stageChange.create({
      data: {
        contactId,
        fromStage: from,
        toStage: pick(LIFECYCLE_STAGES.filter((stage) => stage !== from)),
        reason: "test",
        source: "api",
        occurredAt: later(after, 24 * 3),
      },
    });
  }
}

/** Facts that land in hours long closed, emails written before their run, merges, erasure, deletes. */
async function lateAndRemoved() {
  const runs = await store.enrollment.findMany({ take: 10, orderBy: { id: "desc" } });
  await store.sendLedger.createMany({
    data: runs.map((run) => ledgerRow(run.id, run.contactId, later(run.startedAt, 1))),
  });
  const contactId = pick(contactIds);
  const runId = "rollup-run-written-after-its-email";
  const startedAt = someTime();
  await store.sendLedger.create({ data: ledgerRow(runId, contactId, later(startedAt, 3)) });
  await store.enrollment.create({
    data: { id: runId, sequenceKey: "welcome", sequenceVersion: 1, contactId, entryKey: "late", startedAt },
  });
  await store.contact.createMany({
    data: [
      {
        id: crypto.randomUUID(),
        email: "late-import@example.com",
        createdAt: new Date(START),
        lifecycleStage: "lead",
        highestStage: "mql",
      },
    ],
  });
  // A stage change landing long after the fact between two others, and a creation time corrected.
  const [first] = await store.stageChange.findMany({
    where: { contactId: contactIds[5] as string },
    orderBy: { occurredAt: "asc" },
    take: 1,
  });
  await store.stageChange.create({
    data: {
      contactId: contactIds[5] as string,
      fromStage: "lead",
      toStage: "mql",
      reason: "late",
      source: "api",
      occurredAt: new Date((first?.occurredAt.getTime() ?? START) - 60_000),
    },
  });
  await store.contact.update({ where: { id: contactIds[6] as string }, data: { createdAt: someTime() } });
  const [ghost, survivor] = [contactIds[1] as string, contactIds[2] as string];
  await store.contact.update({ where: { id: ghost }, data: { mergedIntoId: survivor } });
  const erased = await eraseContact(store, contactIds[3] as string, {
    hashSecret: "rollup-test-secret",
    cancel: async () => false,
  });
  expect(erased.status).toBe("erased");
  // An unsubscribe's credited email unsent (a bounce report) and another's run deleted: each credit
  // moves to the email before or goes.
  const credited = await store.$queryRaw<Array<{ ledgerId: bigint; enrollmentId: string }>>`
    SELECT l.id AS "ledgerId", l."enrollmentId" FROM "Contact" c
    CROSS JOIN LATERAL (SELECT id, "enrollmentId" FROM "SendLedger" WHERE "contactId" = c.id AND status = 'sent'
      AND "sentAt" <= c."unsubscribedAt" ORDER BY "sentAt" DESC, id DESC LIMIT 1) l
    WHERE c."unsubscribedAt" IS NOT NULL ORDER BY c.id LIMIT 2`;
  expect(credited).toHaveLength(2);
  await store.sendLedger.update({ where: { id: credited[0]?.ledgerId }, data: { status: "bounced" } });
  await store.enrollment.delete({ where: { id: credited[1]?.enrollmentId } });
  // An email sent to an unsubscribed contact, written before its run.
  const [unsubscribed] = await store.contact.findMany({ where: { unsubscribedAt: { not: null } }, take: 1 });
  const lateRun = "rollup-run-credited-after-its-email";
  const lateSentAt = new Date((unsubscribed?.unsubscribedAt?.getTime() ?? START) - 60_000);
  await store.sendLedger.create({
    data: { ...ledgerRow(lateRun, unsubscribed?.id ?? "", lateSentAt), status: "sent", sentAt: lateSentAt },
  });
  await store.enrollment.create({
    data: {
      id: lateRun,
      sequenceKey: "nurture-lead",
      sequenceVersion: 1,
      contactId: unsubscribed?.id ?? "",
      entryKey: "late",
      startedAt: new Date(lateSentAt.getTime() - 60_000),
    },
  });
  const someEmails = await store.sendLedger.findMany({ take: 7, orderBy: { id: "asc" } });
  await store.sendLedger.deleteMany({ where: { id: { in: someEmails.map((email) => email.id) } } });
  // A contact deleted outright (as contact resolution deletes orphans): its runs and memberships cascade.
  await store.contact.delete({ where: { id: contactIds[4] as string } });
}

// Scoring: points before, at and after MQL entries; contacts reaching MQL twice (the second entry is not
// their first in a period that holds both), entries landing between earlier ones, points arriving late.
const RULES = [
  "page_view",
  "page_view[path=/pricing]",
  "form_submitted",
  "content_downloaded",
  "email_clicked",
];
const POINTS = [1, 2.5, 3, 5, 8, 10];
const MQL_SOURCES = ["scoring", "scoring", "api", "rule"];
const pointsAt = (contactId: string, occurredAt: Date) => ({
  contactId,
  rule: pick(RULES),
  points: pick(POINTS),
  occurredAt,
});
const stageMove = (
  contactId: string,
  fromStage: string,
  toStage: string,
  occurredAt: Date,
  source = "api",
) => ({
  contactId,
  fromStage,
  toStage,
  reason: "rollup-test",
  source,
  occurredAt,
});
const mqlEntry = (contactId: string, occurredAt: Date) =>
  stageMove(contactId, "lead", "mql", occurredAt, pick(MQL_SOURCES));

/** In bulk: half the points before the entries are written, half after (late, into their snapshots). */
async function writeScoring() {
  const points: Array<ReturnType<typeof pointsAt>> = [];
  const moves: Array<ReturnType<typeof stageMove>> = [];
  contactIds.forEach((contactId, i) => {
    for (let n = Math.floor(random() * 6); n > 0; n--) points.push(pointsAt(contactId, someTime()));
    // The first ten reach MQL twice (3 through the API, so its erasure rewrites the entry's reason);
    // 7 enters in the first, partial, day of October in Rome and again two days later.
    if (i === 7) {
      const [first, second] = [new Date("2026-09-30T23:00:00Z"), new Date("2026-10-03T12:00:00Z")];
      moves.push(mqlEntry(contactId, first), stageMove(contactId, "mql", "lead", later(first, 24)));
      moves.push(mqlEntry(contactId, second));
      points.push(pointsAt(contactId, first), pointsAt(contactId, new Date("2026-10-02T00:00:00Z")));
      return;
    }
    if (i >= 10 && random() >= 0.4) return;
    const at = someTime();
    moves.push(i === 3 ? stageMove(contactId, "lead", "mql", at) : mqlEntry(contactId, at));
    if (random() < 0.5) points.push(pointsAt(contactId, at));
    if (i < 10 || random() < 0.15) {
      const back = later(at, 24 * 10);
      moves.push(stageMove(contactId, "mql", "lead", back), mqlEntry(contactId, later(back, 24 * 10)));
    }
  });
  const late = points.splice(0, Math.floor(points.length / 2));
  await store.scoreContribution.createMany({ data: points });
  await store.stageChange.createMany({ data: moves });
  await store.scoreContribution.createMany({ data: late });
}

/** One row at a time: late points, entries before or between others, a point and an entry deleted or moved. */
async function changeScoringOneByOne(changes: number) {
  for (let i = 0; i < changes; i++) {
    await store.scoreContribution.create({ data: pointsAt(pick(contactIds), someTime()) });
    if (i % 4 === 0) await store.stageChange.create({ data: mqlEntry(pick(contactIds), someTime()) });
  }
  const [point] = await store.scoreContribution.findMany({ take: 1, orderBy: { id: "asc" } });
  if (point) await store.scoreContribution.delete({ where: { id: point.id } });
  // The first entries of two contacts who reached MQL twice: one moved in time, one removed.
  const firstEntry = (contactId: string) =>
    store.stageChange.findFirstOrThrow({
      where: { contactId, toStage: "mql" },
      orderBy: { occurredAt: "asc" },
    });
  const moved = await firstEntry(contactIds[8] as string);
  await store.stageChange.update({ where: { id: moved.id }, data: { occurredAt: someTime() } });
  const removed = await firstEntry(contactIds[9] as string);
  await store.stageChange.delete({ where: { id: removed.id } });
}

/** Points landing long before the entries they count towards, and a merge moving a ghost's points. */
async function lateScoring() {
  await store.scoreContribution.createMany({
    data: contactIds.slice(5, 40).map((contactId) => pointsAt(contactId, new Date(START))),
  });
  const [ghost, contact] = [contactIds[5] as string, contactIds[6] as string];
  await store.$transaction((tx) => mergeGhostInto(tx, ghost, contact, new Date("2026-10-15T12:00:00Z")));
}

const SCORING_PERIODS: Record<string, ReportPeriod> = {
  ...PERIODS,
  "ten hours, no whole day": period("2026-10-05T08:00Z", "2026-10-05T18:00Z", "UTC"),
};

async function expectScoringRollupsToAgree() {
  for (const [name, p] of Object.entries(SCORING_PERIODS)) {
    const [scoring, scoringLive] = await Promise.all([
      scoringMetrics(store, p),
      scoringMetrics(store, p, "live"),
    ]);
    expect(scoring, name).toEqual(scoringLive);
  }
  const october = await scoringMetrics(store, PERIODS["October in UTC"] as ReportPeriod);
  expect(october.rules.length).toBeGreaterThan(0);
  expect(october.mqls.entries).toBeGreaterThan(october.mqls.contacts);
}

// Orders and the two programs they can be credited to (domain/analytics/customer-report.ts).
const buyerIds: string[] = [];
let orderKey = 0;
const HOUR_MS = 3_600_000;

function orderRow(contactId: string, placedAt: Date) {
  orderKey += 1;
  return {
    id: `rollup-order-${orderKey}`,
    contactId,
    cartId: random() < 0.6 ? `rollup-cart-${orderKey}` : null,
    total: 5 + Math.floor(random() * 200) + 0.25 * Math.floor(random() * 4),
    placedAt,
  };
}

function programRun(sequenceKey: string, contactId: string, entryKey: string, startedAt: Date) {
  const id = `rollup-run-${enrollmentIds.length}`;
  enrollmentIds.push(id);
  return { id, sequenceKey, sequenceVersion: 1, contactId, entryKey, startedAt };
}

/** An email of a run, sent at its creation (before or after the orders it may be credited with) or pending. */
function programEmail(run: { id: string; contactId: string; startedAt: Date }, maxHours: number) {
  const createdAt = later(run.startedAt, maxHours);
  const sent = random() < 0.5;
  return {
    ...ledgerRow(run.id, run.contactId, createdAt),
    ...(sent ? { status: "sent", sentAt: createdAt } : {}),
  };
}

/**
 * Orders in bulk (ingestion writes a batch in one statement): 1 to 4 for two contacts in five (always for
 * the first seven, which the later changes merge, erase and delete), cart-recovery runs for some carts
 * started before the order, post-purchase runs after some orders, their emails sent or pending.
 */
async function writeOrders() {
  const orders = contactIds.flatMap((contactId, index) => {
    if (index >= 7 && random() >= 0.4) return [];
    buyerIds.push(contactId);
    return Array.from({ length: 1 + Math.floor(random() * 4) }, () => orderRow(contactId, someTime()));
  });
  await store.order.createMany({ data: orders });
  const runs = orders.flatMap((order) => [
    ...(order.cartId && random() < 0.5
      ? [
          programRun(
            CART_RECOVERY_PROGRAM,
            order.contactId,
            `cartId/${order.cartId}`,
            new Date(order.placedAt.getTime() - Math.floor(random() * 72) * HOUR_MS),
          ),
        ]
      : []),
    ...(random() < 0.4
      ? [programRun(POST_PURCHASE_PROGRAM, order.contactId, `orderId/${order.id}`, later(order.placedAt, 2))]
      : []),
  ]);
  await store.enrollment.createMany({ data: runs });
  await store.sendLedger.createMany({
    data: runs.flatMap((run) =>
      Array.from({ length: 1 + Math.floor(random() * 2) }, () =>
        programEmail(run, run.sequenceKey === CART_RECOVERY_PROGRAM ? 96 : 24 * 20),
      ),
    ),
  });
}

/**
 * One at a time: late orders earlier than the buyer's first, buyers changing segment, and program
 * emails sent with a time that credits an order already stored (cart recovery before the cart's
 * order, post-purchase in the days before another order of the contact).
 */
async function changeOrdersOneByOne(changes: number) {
  for (let i = 0; i < changes; i++) {
    const buyer = pick(buyerIds);
    const first = await store.order.findFirst({ where: { contactId: buyer }, orderBy: { placedAt: "asc" } });
    const placedAt =
      first && random() < 0.5
        ? new Date(first.placedAt.getTime() - (1 + Math.floor(random() * 48)) * HOUR_MS)
        : someTime();
    await store.order.create({ data: orderRow(buyer, placedAt) });
    if (random() < 0.5) {
      await store.contact.update({ where: { id: pick(buyerIds) }, data: { segment: pick(SEGMENTS) } });
    }
  }
  const credited = await store.$queryRaw<Array<{ id: bigint; placedAt: Date }>>`
    SELECT DISTINCT ON (l.id) l.id, o."placedAt"
    FROM "SendLedger" l JOIN "Enrollment" e ON e.id = l."enrollmentId"
    JOIN "Order" o ON o."contactId" = e."contactId" AND (
      (e."sequenceKey" = ${CART_RECOVERY_PROGRAM} AND e."entryKey" = 'cartId/' || o."cartId")
      OR (e."sequenceKey" = ${POST_PURCHASE_PROGRAM} AND e."entryKey" <> 'orderId/' || o.id))
    WHERE l.status = 'pending'
    ORDER BY l.id, o."placedAt" LIMIT ${changes}`;
  expect(credited.length).toBeGreaterThan(10);
  for (const email of credited) {
    await store.sendLedger.update({
      where: { id: email.id },
      data: {
        status: "sent",
        sentAt: new Date(email.placedAt.getTime() - Math.floor(random() * 24 * 20) * HOUR_MS),
      },
    });
  }
}

/**
 * A real merge (the ghost's orders move to the contact), an order deleted, a credited email deleted, a
 * post-purchase run deleted, and a cart-recovery run written after its sent email.
 */
async function orderFactsMovedAndRemoved() {
  const [ghost, survivor] = [contactIds[5] as string, contactIds[6] as string];
  await store.$transaction((tx) => mergeGhostInto(tx, ghost, survivor, new Date(START + 40 * 24 * HOUR_MS)));
  const moved = await store.order.count({ where: { contactId: survivor } });
  expect(moved).toBeGreaterThan(1);
  const order = await store.order.findFirstOrThrow({
    where: { contactId: pick(buyerIds.slice(7)) },
    orderBy: { placedAt: "desc" },
  });
  await store.order.delete({ where: { id: order.id } });
  // The only email crediting an October order to cart recovery.
  const [credited] = await store.$queryRaw<Array<{ id: bigint }>>`
    SELECT min(l.id) AS id FROM "Order" o
    JOIN "Enrollment" e ON e."contactId" = o."contactId" AND e."sequenceKey" = ${CART_RECOVERY_PROGRAM}
      AND e."entryKey" = 'cartId/' || o."cartId"
    JOIN "SendLedger" l ON l."enrollmentId" = e.id AND l.status = 'sent' AND l."sentAt" <= o."placedAt"
    WHERE o."placedAt" >= '2026-10-01' AND o."placedAt" < '2026-10-31'
    GROUP BY o.id HAVING count(*) = 1 LIMIT 1`;
  expect(credited).toBeDefined();
  await store.sendLedger.delete({ where: { id: credited?.id } });
  const postPurchase = await store.enrollment.findFirstOrThrow({
    where: { sequenceKey: POST_PURCHASE_PROGRAM },
  });
  await store.enrollment.delete({ where: { id: postPurchase.id } });
  const cartOrder = await store.order.findFirstOrThrow({
    where: { cartId: { not: null }, contactId: { in: buyerIds.slice(7) } },
    orderBy: { placedAt: "asc" },
  });
  const run = programRun(
    CART_RECOVERY_PROGRAM,
    cartOrder.contactId,
    `cartId/${cartOrder.cartId}`,
    new Date(cartOrder.placedAt.getTime() - 5 * HOUR_MS),
  );
  await store.sendLedger.create({
    data: {
      ...ledgerRow(run.id, run.contactId, later(run.startedAt, 1)),
      status: "sent",
      sentAt: new Date(cartOrder.placedAt.getTime() - 2 * HOUR_MS),
    },
  });
  await store.enrollment.create({ data: run });
}

async function expectRollupsToAgree() {
  for (const [name, p] of Object.entries(PERIODS)) {
    const [sequences, sequencesLive] = await Promise.all([
      sequenceMetrics(store, p),
      sequenceMetrics(store, p, "live"),
    ]);
    expect(sequences, name).toEqual(sequencesLive);
    const [customers, customersLive] = await Promise.all([
      customerMetrics(store, p),
      customerMetrics(store, p, "live"),
    ]);
    expect(customers, name).toEqual(customersLive);
    const [funnel, funnelLive] = await Promise.all([
      funnelMetrics(store, p),
      funnelMetrics(store, p, "live"),
    ]);
    expect(funnel, name).toEqual(funnelLive);
  }
  // Not vacuous: the population shows in what was compared.
  const october = PERIODS["October in UTC"] as ReportPeriod;
  const programs = await sequenceMetrics(store, october);
  expect(programs.length).toBeGreaterThan(0);
  const deferred = programs.flatMap((program) => program.emailSteps).map((step) => step.deferred);
  expect(Math.max(...deferred)).toBeGreaterThan(0);
  const unsubscribed = programs.flatMap((program) => program.emailSteps).map((step) => step.unsubscribed);
  expect(Math.max(...unsubscribed)).toBeGreaterThan(0);
  const funnel = await funnelMetrics(store, october);
  expect(JSON.stringify(funnel.stages)).toMatch(/"contactsNow":[1-9]/);
  await expectScoringRollupsToAgree();
  const customers = await customerMetrics(store, october);
  expect(customers.totals.repeatBuyers).toBeGreaterThan(0);
  expect(customers.newVersusExisting.firstOrders.orders).toBeGreaterThan(0);
  expect(customers.attribution.programs.every((program) => program.orders > 0)).toBe(true);
}

let databaseUrl: string;

beforeAll(async () => {
  databaseUrl = await createDatabaseFromTemplate(inject("templateDatabase"));
  store = openContactStore(databaseUrl);
});

afterAll(async () => {
  await store.$disconnect();
});

describe("the roll-ups agree with the live queries", () => {
  test("after bulk writes", async () => {
    await writePopulation(300);
    await writeScoring();
    await writeOrders();
    await expectRollupsToAgree();
  });

  test("after sends, opens, clicks, run ends, stage moves both ways and segment changes, one row at a time", async () => {
    await changeOneByOne(120);
    await changeScoringOneByOne(120);
    await changeOrdersOneByOne(60);
    await expectRollupsToAgree();
  });

  test("after late facts, an email written before its run, a merge, an erasure and deletes", async () => {
    await lateScoring();
    await lateAndRemoved();
    await orderFactsMovedAndRemoved();
    await expectRollupsToAgree();
  });

  test("two transactions writing one contact's stage history at once: the second counts the first's change", async () => {
    const contactId = crypto.randomUUID();
    await store.contact.create({
      data: { id: contactId, email: "concurrent@example.com", createdAt: new Date("2026-10-10T08:00:00Z") },
    });
    const insert = `INSERT INTO "StageChange" ("contactId", "fromStage", "toStage", reason, source, "occurredAt")
      VALUES ($1, $2, $3, 'test', 'api', $4)`;
    const [first, second] = [new pg.Client(databaseUrl), new pg.Client(databaseUrl)];
    await Promise.all([first.connect(), second.connect()]);
    try {
      await first.query("BEGIN");
      await first.query(insert, [contactId, "subscriber", "lead", "2026-10-12T09:00:00"]);
      await second.query("BEGIN");
      const secondPid = (await second.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
      const waiting = second.query(insert, [contactId, "lead", "mql", "2026-10-14T09:00:00"]);
      // The second waits for the first's lock on the contact before it reads the history.
      await waitUntil(
        async () =>
          (
            await first.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [
              secondPid,
            ])
          ).rowCount === 1,
        15_000,
        "the second transaction waiting for the contact",
      );
      await first.query("COMMIT");
      await waiting;
      await second.query("COMMIT");
    } finally {
      await Promise.all([first.end(), second.end()]);
    }
    const visits = await store.stageVisit.findMany({ where: { contactId }, orderBy: { enteredAt: "asc" } });
    expect(visits.map((visit) => [visit.stage, visit.outcome])).toEqual([
      ["subscriber", "converted"],
      ["lead", "converted"],
      ["mql", null],
    ]);
    await expectRollupsToAgree();
  });

  test("the stage order in the database is the domain's", async () => {
    const ranks = await store.$queryRaw<Array<{ rank: number | null }>>`
      SELECT funnel_stage_rank(stage) AS rank FROM unnest(${[...LIFECYCLE_STAGES, "unknown"]}::text[]) AS stage`;
    expect(ranks.map((row) => row.rank)).toEqual([...LIFECYCLE_STAGES.map((_, index) => index + 1), null]);
  });
});

// Each transaction's trigger reads the other's table: without the contact's lock, the entry's snapshot
// would miss the uncommitted points and the points would miss the uncommitted entry.
test("points and an MQL entry after them, written at the same time for one contact, both count", async () => {
  const contactId = contactIds[20] as string;
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let pointsWritten = false;
  const points = store.$transaction(
    async (tx) => {
      await tx.scoreContribution.create({ data: pointsAt(contactId, new Date("2026-10-20T10:00:00Z")) });
      pointsWritten = true;
      await gate;
    },
    { timeout: 30_000 },
  );
  await waitUntil(async () => pointsWritten, 15_000, "the points written");
  let entryWritten = false;
  const entry = store.stageChange
    .create({ data: mqlEntry(contactId, new Date("2026-10-21T10:00:00Z")) })
    .then(() => {
      entryWritten = true;
    });
  // The entry either waits for the points' transaction (the lock) or went ahead without it.
  await waitUntil(
    async () =>
      entryWritten ||
      (
        await store.$queryRaw<unknown[]>`
          SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`
      ).length > 0,
    15_000,
    "the entry blocked or written",
  );
  release();
  await Promise.all([points, entry]);
  const october = PERIODS["October in UTC"] as ReportPeriod;
  expect(await scoringMetrics(store, october)).toEqual(await scoringMetrics(store, october, "live"));
});

test("the store's connections run without JIT, which would cost the metric queries more than they run", async () => {
  const [setting] = await store.$queryRaw<Array<{ jit: string }>>`SHOW jit`;
  expect(setting?.jit).toBe("off");
});

test("a program email sent while a batch writes the order it credits waits for the batch, then credits the order", async () => {
  const contactId = crypto.randomUUID();
  await store.contact.create({ data: { id: contactId, email: "concurrent-buyer@example.com" } });
  const placedAt = new Date("2026-10-15T12:00:00Z");
  const run = programRun(
    CART_RECOVERY_PROGRAM,
    contactId,
    "cartId/concurrent-cart",
    new Date(placedAt.getTime() - 5 * HOUR_MS),
  );
  await store.enrollment.create({ data: run });
  const email = await store.sendLedger.create({
    data: ledgerRow(run.id, contactId, later(run.startedAt, 1)),
  });
  let sending: Promise<unknown> = Promise.resolve();
  await store.$transaction(
    async (tx) => {
      await tx.order.create({
        data: { id: "concurrent-order", contactId, cartId: "concurrent-cart", total: 42, placedAt },
      });
      // then() sends it now (a Prisma query runs when it is awaited).
      sending = store.sendLedger
        .update({
          where: { id: email.id },
          data: { status: "sent", sentAt: new Date(placedAt.getTime() - HOUR_MS) },
        })
        .then(() => undefined);
      // The positive signal: the send is queued behind this transaction's lock on the contact.
      await expect
        .poll(
          async () =>
            (
              await store.$queryRaw<Array<{ waiting: number }>>`
                SELECT count(*)::int AS waiting FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%SendLedger%'`
            )[0]?.waiting,
          { timeout: 10_000 },
        )
        .toBe(1);
    },
    { timeout: 20_000 },
  );
  await sending;
  const october = PERIODS["October in UTC"] as ReportPeriod;
  const [customers, customersLive] = await Promise.all([
    customerMetrics(store, october),
    customerMetrics(store, october, "live"),
  ]);
  expect(customers).toEqual(customersLive);
  const [credited] = await store.$queryRaw<Array<{ program: string | null }>>`
    SELECT program FROM "OrderFact" WHERE "orderId" = 'concurrent-order'`;
  expect(credited?.program).toBe(CART_RECOVERY_PROGRAM);
});
