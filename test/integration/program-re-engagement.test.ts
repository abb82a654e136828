// Issue 9, re-engagement end to end through the HTTP API: segment thresholds set through the API make
// contacts at_risk within seconds (the sweep's Schedule runs every second), which starts the built-in
// win-back with second-scale waits. One contact clicks the first email: back to an active segment, the
// run ends, no more win-back mail. The other never answers: the run completes, the contact is lost
// (long before lostAfterDays), and is back once they interact.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_SEGMENT_THRESHOLDS } from "../../domain/segments/segment-thresholds.ts";
import {
  clickTrackedLink,
  contactState,
  enrollmentsOf,
  mailTo,
  type ProgramStack,
  QUICK_LEAD_NURTURE,
  signUp,
  startProgramStack,
} from "../support/program-test.ts";
import type { SmtpSink } from "../support/smtp-sink.ts";
import { api, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

const SECOND_IN_DAYS = 1 / 86_400;
const WIN_BACK = ["Ada, we have missed you", "Something to come back for", "Should we stop writing?"];

let programs: ProgramStack;
let sink: SmtpSink;
let stack: TestStack;
const contacts = { clicker: "", silent: "" };

const setThresholds = async (thresholds: typeof DEFAULT_SEGMENT_THRESHOLDS) =>
  expect((await api(stack, "PUT", "/v1/segments/thresholds", thresholds)).status).toBe(200);

const run = async (contactId: string) => (await enrollmentsOf(stack, contactId, "re-engagement"))[0];
const subjects = (email: string) => mailTo(sink, email).map((message) => message.subject);

beforeAll(async () => {
  programs = await startProgramStack(
    {
      "re-engagement": {
        durations: { "wait-before-offer": "8s", "wait-before-last-call": "2s", "wait-for-answer": "2s" },
      },
      // Another marketing program, to show a lost contact hears nothing from marketing.
      "nurture-lead": QUICK_LEAD_NURTURE,
    },
    { EMAIL_TRACKING: "on", SEGMENT_SWEEP_INTERVAL: "1s" },
  );
  ({ stack, sink } = programs);
  // Three seconds of silence make a contact at_risk; lost by silence alone would take a day.
  await setThresholds({
    ...DEFAULT_SEGMENT_THRESHOLDS,
    atRiskAfterDays: 3 * SECOND_IN_DAYS,
    lostAfterDays: 1,
  });
  contacts.clicker = await signUp(stack, "ada@example.com", "Ada Lovelace");
  contacts.silent = await signUp(stack, "ada.silent@example.com", "Ada Silent");
  for (const email of ["ada@example.com", "ada.silent@example.com"]) {
    await sink.waitForMessage((message) => message.envelope.to.includes(email), 30_000);
  }
  // Both are in the win-back now; from here on only the program decides who is lost.
  await setThresholds(DEFAULT_SEGMENT_THRESHOLDS);
});

afterAll(async () => {
  await programs?.stop();
});

describe("re-engagement", () => {
  test("entering at_risk starts the win-back with its first email", async () => {
    for (const contactId of Object.values(contacts)) {
      expect(await run(contactId)).toMatchObject({ entryKey: "segment/at_risk", status: "running" });
      expect((await contactState(stack, contactId)).segment).toBe("at_risk");
    }
  });

  test("a contact who clicks is active again, the run ends and no more win-back mail comes", async () => {
    const [first] = mailTo(sink, "ada@example.com");
    expect(first?.subject).toBe(WIN_BACK[0]);
    await clickTrackedLink(stack, String(first?.html));
    await waitUntil(async () => (await run(contacts.clicker))?.status === "exited", 30_000);
    expect((await run(contacts.clicker))?.exitReason).toMatch(/segment/);
    expect((await contactState(stack, contacts.clicker)).segment).toBe("new");
    expect(subjects("ada@example.com")).toEqual([WIN_BACK[0]]);
  });

  test("a contact who never answers gets the whole series and is lost at its end", async () => {
    await waitUntil(async () => (await run(contacts.silent))?.status === "completed", 60_000);
    expect(subjects("ada.silent@example.com")).toEqual(WIN_BACK);
    expect((await contactState(stack, contacts.silent)).segment).toBe("lost");
    // The clicker's run would have sent the offer long before the silent run completed.
    expect(subjects("ada@example.com")).toEqual([WIN_BACK[0]]);
  });

  test("a lost contact gets no marketing mail from any program", async () => {
    const moved = await api(stack, "PUT", `/v1/contacts/${contacts.silent}/stage`, { stage: "lead" });
    expect(moved.status).toBe(200);
    await waitUntil(
      async () => (await enrollmentsOf(stack, contacts.silent, "nurture-lead"))[0]?.status === "completed",
      30_000,
    );
    const [nurture] = await enrollmentsOf(stack, contacts.silent, "nurture-lead");
    const detail = await api(stack, "GET", `/v1/enrollments/${encodeURIComponent(nurture?.id ?? "")}`);
    expect(JSON.stringify(detail.body)).toContain("no marketing until they interact");
    expect(subjects("ada.silent@example.com")).toEqual(WIN_BACK);
    expect((await contactState(stack, contacts.silent)).segment).toBe("lost");
  });

  test("a lost contact who interacts again is no longer lost", async () => {
    const lastCall = mailTo(sink, "ada.silent@example.com").at(-1);
    await clickTrackedLink(stack, String(lastCall?.html));
    // A lead by now (the stage was moved above), no longer lost.
    await waitUntil(async () => (await contactState(stack, contacts.silent)).segment === "lead", 30_000);
    expect(await enrollmentsOf(stack, contacts.silent, "re-engagement")).toHaveLength(1);
  });
});
