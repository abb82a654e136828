// Issue 9, nurture by stage end to end through the HTTP API, with second-scale waits: each stage's
// series ends when the contact moves to a later stage and the next stage's series takes over: awareness
// for leads, consideration for MQLs, decision content (a case study, then a demo invitation) for
// opportunities, which a purchase ends.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  contactEvent,
  contactState,
  createContact,
  enrollmentsOf,
  mailTo,
  type ProgramStack,
  postEvents,
  startProgramStack,
} from "../support/program-test.ts";
import type { SmtpSink } from "../support/smtp-sink.ts";
import { api, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

let programs: ProgramStack;
let sink: SmtpSink;
let stack: TestStack;

beforeAll(async () => {
  programs = await startProgramStack({
    "nurture-lead": {
      durations: { "wait-before-ebook": "1s", "wait-before-report": "30s", "morning-report": "1s" },
    },
    "nurture-mql": {
      durations: { "wait-guide-click": "30s", "morning-tutorials": "1s", "wait-tutorials-click": "1s" },
    },
    "nurture-opportunity": {
      durations: { "wait-before-case-study": "1s", "wait-before-demo": "1s", "morning-demo": "1s" },
    },
  });
  ({ stack, sink } = programs);
});

afterAll(async () => {
  await programs?.stop();
});

const EMAIL = "climber@example.com";
const subjects = () => mailTo(sink, EMAIL).map((message) => message.subject ?? "");
const run = async (contactId: string, sequence: string) =>
  (await enrollmentsOf(stack, contactId, sequence))[0];
const moveTo = async (contactId: string, stage: string) =>
  expect((await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage })).status).toBe(200);

describe("nurture by stage", () => {
  test("lead → MQL → opportunity → customer: each series hands over to the next", async () => {
    const contactId = await createContact(stack, EMAIL, "Cleo Climber");
    await moveTo(contactId, "lead");
    await sink.waitForMessage(
      (message) => message.subject === "Your copy of The marketing benchmark report",
      20_000,
    );

    await moveTo(contactId, "mql");
    await waitUntil(async () => (await run(contactId, "nurture-lead"))?.status === "exited", 20_000);
    expect((await run(contactId, "nurture-lead"))?.exitReason).toMatch(/mql/);
    await sink.waitForMessage(
      (message) => message.subject?.startsWith("The practical guide") ?? false,
      20_000,
    );

    await moveTo(contactId, "opportunity");
    await waitUntil(async () => (await run(contactId, "nurture-mql"))?.status === "exited", 20_000);
    await waitUntil(
      async () => (await run(contactId, "nurture-opportunity"))?.status === "completed",
      60_000,
    );
    expect(subjects()).toEqual([
      "Your copy of The marketing benchmark report",
      "The practical guide to lead scoring, plus a live session you can join",
      "How Northwind Traders cut weekly reporting from two days to two hours",
      "Cleo, shall we show you with your own data?",
    ]);

    await postEvents(stack, contactEvent("order_placed", EMAIL, { orderId: "deal-1", total: 12000 }));
    expect((await contactState(stack, contactId)).lifecycleStage).toBe("customer");
    // One run of each stage's series, and the later ones never restarted the earlier.
    for (const sequence of ["nurture-lead", "nurture-mql", "nurture-opportunity"]) {
      expect(await enrollmentsOf(stack, contactId, sequence)).toHaveLength(1);
    }
  });

  test("a purchase ends the opportunity series before its demo invitation", async () => {
    const email = "quick-buyer@example.com";
    const contactId = await createContact(stack, email, "Quinn Buyer");
    await moveTo(contactId, "opportunity");
    await postEvents(stack, contactEvent("order_placed", email, { orderId: "deal-2", total: 9000 }));
    await waitUntil(async () => (await run(contactId, "nurture-opportunity"))?.status === "exited", 20_000);
    expect((await run(contactId, "nurture-opportunity"))?.exitReason).toMatch(/customer/);
    expect(mailTo(sink, email)).toEqual([]);
  });
});
