// Issue 9, the welcome series for newsletter subscribers end to end through the HTTP API, with
// second-scale waits: a welcome at once, then the two best-content emails; a subscriber who becomes a
// lead meanwhile leaves the series for the lead nurture, and is not welcomed a second time.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  contactEvent,
  contactState,
  enrollmentsOf,
  mailTo,
  type ProgramStack,
  postEvents,
  QUICK_LEAD_NURTURE,
  signUp,
  startProgramStack,
} from "../support/program-test.ts";
import type { SmtpSink } from "../support/smtp-sink.ts";
import { api, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

const WELCOME = "Welcome to Nurtureflow";
let programs: ProgramStack;
let sink: SmtpSink;
let stack: TestStack;

beforeAll(async () => {
  programs = await startProgramStack({
    "welcome-series": {
      durations: {
        "wait-before-top-reads": "8s",
        "morning-top-reads": "1s",
        "wait-before-toolkit": "1s",
        "morning-toolkit": "1s",
      },
    },
    welcome: { durations: {} },
    "nurture-lead": QUICK_LEAD_NURTURE,
  });
  ({ stack, sink } = programs);
});

afterAll(async () => {
  await programs?.stop();
});

const subjects = (email: string) => mailTo(sink, email).map((message) => message.subject ?? "");
const run = async (contactId: string, sequence: string) =>
  (await enrollmentsOf(stack, contactId, sequence))[0];

describe("welcome series", () => {
  test("a subscriber gets the welcome at once, then the best content, and stays a subscriber", async () => {
    const email = "reader@example.com";
    const contactId = await signUp(stack, email, "Rosa Reader");
    await waitUntil(async () => (await run(contactId, "welcome-series"))?.status === "completed", 60_000);
    expect(subjects(email)).toEqual([
      expect.stringContaining(WELCOME),
      "Rosa, the three articles readers start with",
      "Templates and checklists, free to copy",
    ]);
    expect(await contactState(stack, contactId)).toMatchObject({
      lifecycleStage: "subscriber",
      segment: "new",
      properties: { welcomeSeries: "received" },
    });
  });

  test("a subscriber who becomes a lead leaves the series for the lead nurture, without a second welcome", async () => {
    const email = "signup-then-lead@example.com";
    const contactId = await signUp(stack, email, "Lee Lead");
    await sink.waitForMessage((message) => message.envelope.to.includes(email), 20_000);
    await postEvents(stack, contactEvent("form_submitted", email, { form: "demo-request" }));
    await waitUntil(async () => (await run(contactId, "welcome-series"))?.status === "exited", 30_000);
    expect((await run(contactId, "welcome-series"))?.exitReason).toMatch(/lead/);
    await waitUntil(async () => (await run(contactId, "nurture-lead"))?.status === "completed", 60_000);
    expect(subjects(email)).toEqual([
      expect.stringContaining(WELCOME),
      "Your copy of The marketing benchmark report",
      "Your copy of The state of B2B email",
    ]);
    expect(await enrollmentsOf(stack, contactId, "welcome")).toEqual([
      expect.objectContaining({ status: "skipped" }),
    ]);
    expect(await contactState(stack, contactId)).toMatchObject({ lifecycleStage: "lead", segment: "lead" });
  });

  test("a contact created through POST /v1/contacts is classified new and welcomed like an event's", async () => {
    const email = "form-signup@example.com";
    const created = await api(stack, "POST", "/v1/contacts", {
      email,
      name: "Fern Form",
      marketingConsent: true,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const contactId = (created.body as { id: string }).id;
    expect(created.body).toMatchObject({ segment: "new", lifecycleStage: "subscriber" });
    await waitUntil(async () => (await run(contactId, "welcome-series"))?.status === "completed", 60_000);
    expect(subjects(email)).toEqual([
      expect.stringContaining(WELCOME),
      "Fern, the three articles readers start with",
      "Templates and checklists, free to copy",
    ]);
    // A second POST for the same address updates it (200, in one transaction with any segment move it
    // would make): no second classification, so nothing for a second welcome to start on.
    const updated = await api(stack, "POST", "/v1/contacts", { email, name: "Fern Field" });
    expect(updated.status).toBe(200);
    const segmentChanges = await stack.store.outbox.findMany({
      where: { contactId, kind: "segment_changed" },
    });
    expect(segmentChanges.map((row) => row.payload)).toEqual([expect.objectContaining({ to: "new" })]);
  });
});
