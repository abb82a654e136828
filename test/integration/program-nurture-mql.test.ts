// Issue 9, the MQL series of nurture by stage, end to end through the HTTP API: the built-in with
// second-scale timings and its sales webhook pointed at a local receiver (allowed by
// WEBHOOK_ALLOWED_HOSTS). A hot MQL who clicks the guide is handed to sales (the webhook arrives, once)
// and becomes sql, which ends the run; a cold one gets the tutorials next and the run completes.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  clickTrackedLink,
  contactState,
  createContact,
  enrollmentsOf,
  mailTo,
  type ProgramStack,
  startProgramStack,
} from "../support/program-test.ts";
import type { SmtpSink } from "../support/smtp-sink.ts";
import { api, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

let programs: ProgramStack;
let sink: SmtpSink;
let stack: TestStack;
let receiver: http.Server;
const handOffs: Array<{ path: string; body: any }> = [];

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      handOffs.push({ path: req.url ?? "", body: JSON.parse(body) });
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const { port } = receiver.address() as AddressInfo;
  // The marketer's own version: their CRM's hook instead of the placeholder, seconds instead of days.
  programs = await startProgramStack(
    {
      "nurture-mql": {
        durations: { "wait-guide-click": "8s", "morning-tutorials": "1s", "wait-tutorials-click": "2s" },
        webhookUrl: `http://127.0.0.1:${port}/hooks/hot-lead`,
      },
    },
    { EMAIL_TRACKING: "on", WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${port}` },
  );
  ({ stack, sink } = programs);
});

afterAll(async () => {
  await programs?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

async function becomeMql(email: string, name: string): Promise<string> {
  const contactId = await createContact(stack, email, name);
  expect((await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "mql" })).status).toBe(200);
  return contactId;
}

/** A contact enters the series once: its first run is its only one (checked at the end). */
const run = async (contactId: string) => (await enrollmentsOf(stack, contactId, "nurture-mql"))[0];

describe("nurture for MQLs", () => {
  test("a hot MQL who clicks the guide is handed to sales by webhook and becomes sql", async () => {
    const email = "hot-mql@example.com";
    const contactId = await becomeMql(email, "Grace Hopper");
    const guide = await sink.waitForMessage((message) => message.envelope.to.includes(email), 20_000);
    expect(guide.subject).toBe("The practical guide to lead scoring, plus a live session you can join");
    expect(guide.text).toContain("Hi Grace");

    await clickTrackedLink(stack, String(guide.html));
    await waitUntil(async () => (await run(contactId))?.status === "exited", 30_000);
    expect(handOffs).toHaveLength(1);
    expect(handOffs[0]?.path).toBe("/hooks/hot-lead");
    expect(JSON.stringify(handOffs[0]?.body)).toContain(contactId);
    expect(JSON.stringify(handOffs[0]?.body)).toContain("clicked the lead-scoring guide");
    expect((await run(contactId))?.exitReason).toMatch(/sql/);
    expect((await contactState(stack, contactId)).lifecycleStage).toBe("sql");
    // Handed over: no tutorials follow.
    expect(mailTo(sink, email).map((message) => message.subject)).toEqual([guide.subject]);
  });

  test("an MQL who does not click gets the tutorials next and stays an MQL", async () => {
    const email = "cold-mql@example.com";
    const contactId = await becomeMql(email, "Alan Turing");
    await waitUntil(async () => (await run(contactId))?.status === "completed", 60_000);
    expect(mailTo(sink, email).map((message) => message.subject)).toEqual([
      "The practical guide to lead scoring, plus a live session you can join",
      "Watch it done: Lead scoring in 15 minutes",
    ]);
    expect((await contactState(stack, contactId)).lifecycleStage).toBe("mql");
    expect(await enrollmentsOf(stack, contactId, "nurture-mql")).toHaveLength(1);
    expect(handOffs.filter((handOff) => JSON.stringify(handOff.body).includes(contactId))).toEqual([]);
  });
});
