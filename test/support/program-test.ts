// What the program tests (test/integration/program-*.test.ts) share: a built-in published through the
// API with second-scale timings, events and contacts through the API, and reading back runs and mail.
import { expect } from "vitest";
import { BUILT_IN_SEQUENCES } from "../../domain/sequences/built-in-sequences.ts";
import { type SmtpSink, startSmtpSink } from "./smtp-sink.ts";
import { api, startTestStack, type TestStack } from "./test-stack.ts";

export interface Shortening {
  /** Step id → the duration it gets instead: a wait's duration, a wait_for_event's timeout, or a
   * wait_until's (which becomes a plain wait: a morning cannot be waited for in seconds). */
  durations: Record<string, string>;
  /** Every webhook step's URL, e.g. a local receiver. */
  webhookUrl?: string;
}

/** The shipped built-in with its timings shortened; fails on a step id the built-in does not have. */
export function shortenedBuiltIn(key: string, shortening: Shortening): unknown {
  const definition = BUILT_IN_SEQUENCES[key];
  if (!definition) throw new Error(`no built-in ${key}`);
  const unused = new Set(Object.keys(shortening.durations));
  const shortened = JSON.parse(JSON.stringify(definition), (_key, value) => {
    if (!value || typeof value !== "object" || typeof value.id !== "string") return value;
    if (value.type === "webhook" && shortening.webhookUrl) return { ...value, url: shortening.webhookUrl };
    const duration = shortening.durations[value.id];
    if (duration === undefined) return value;
    unused.delete(value.id);
    if (value.type === "wait") return { ...value, duration };
    if (value.type === "wait_for_event") return { ...value, timeout: duration };
    if (value.type === "wait_until") return { id: value.id, type: "wait", duration };
    throw new Error(`step ${value.id} of ${key} has no timing`);
  });
  if (unused.size > 0) throw new Error(`${key} has no step ${[...unused].join(", ")}`);
  return shortened;
}

/** Creates the program through the API (a draft version 1) and makes it live. */
export async function publishProgram(stack: TestStack, definition: unknown): Promise<void> {
  const created = await api(stack, "POST", "/v1/sequences", definition);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const key = (definition as { key: string }).key;
  expect((await api(stack, "POST", `/v1/sequences/${key}/activate`)).status).toBe(200);
}

/** The lead nurture in seconds, for tests where it only has to run. */
export const QUICK_LEAD_NURTURE: Shortening = {
  durations: { "wait-before-ebook": "1s", "wait-before-report": "1s", "morning-report": "1s" },
};

export interface ProgramStack {
  stack: TestStack;
  sink: SmtpSink;
  stop(): Promise<void>;
}

/** An SMTP sink, a stack with these settings, the built-ins shortened as given and live, a worker. */
export async function startProgramStack(
  programs: Record<string, Shortening>,
  env: Record<string, string> = {},
): Promise<ProgramStack> {
  const sink = await startSmtpSink();
  const stack = await startTestStack({ smtpUrl: sink.url, env });
  for (const [key, shortening] of Object.entries(programs)) {
    await publishProgram(stack, shortenedBuiltIn(key, shortening));
  }
  await stack.startWorker();
  return {
    stack,
    sink,
    async stop() {
      await stack.stop();
      await sink.stop();
    },
  };
}

let eventSeq = 0;

/** An event for POST /v1/events, occurred a second ago, with its own idempotency key. */
export function contactEvent(type: string, email: string, properties: Record<string, unknown> = {}) {
  eventSeq += 1;
  return {
    type,
    contact: { email },
    occurredAt: new Date(Date.now() - 1000).toISOString(),
    properties,
    idempotencyKey: `program-${process.pid}-${eventSeq}`,
  };
}

/** Posts the events as one batch; returns the contact id of the first. */
export async function postEvents(stack: TestStack, ...events: unknown[]): Promise<string> {
  const response = await api(stack, "POST", "/v1/events", { events });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.results[0].contactId as string;
}

/** A contact who agreed to marketing mail, created through the API. */
export async function createContact(stack: TestStack, email: string, name: string): Promise<string> {
  const created = await api(stack, "POST", "/v1/contacts", { email, name, marketingConsent: true });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

/**
 * A newsletter sign-up: the contact is created by an event (with consent), which classifies it (segment
 * new, as an entry) and schedules its time-driven segment moves; a contact created through POST
 * /v1/contacts gets neither. The name follows through the API.
 */
export async function signUp(stack: TestStack, email: string, name: string): Promise<string> {
  const signedUp = {
    ...contactEvent("custom.newsletter_subscribed", email),
    contact: { email, marketingConsent: true },
  };
  const contactId = await postEvents(stack, signedUp);
  const named = await api(stack, "POST", "/v1/contacts", { email, name });
  expect(named.status, JSON.stringify(named.body)).toBe(200);
  return contactId;
}

export async function contactState(stack: TestStack, contactId: string) {
  const response = await api(stack, "GET", `/v1/contacts/${contactId}`);
  expect(response.status).toBe(200);
  return response.body as { lifecycleStage: string; segment: string; properties: Record<string, unknown> };
}

export interface EnrollmentView {
  id: string;
  sequence: string;
  entryKey: string;
  status: string;
  exitReason: string | null;
}

export async function enrollmentsOf(
  stack: TestStack,
  contactId: string,
  sequence: string,
): Promise<EnrollmentView[]> {
  const listed = await api(stack, "GET", `/v1/enrollments?contactId=${contactId}&sequence=${sequence}`);
  expect(listed.status).toBe(200);
  return listed.body.enrollments;
}

export const mailTo = (sink: SmtpSink, email: string) =>
  sink.messages().filter((message) => message.envelope.to.includes(email));

/** Follows a tracked link of a received email as a mail client's browser would, without the redirect. */
export async function clickTrackedLink(stack: TestStack, html: string): Promise<void> {
  const link = [...html.matchAll(/href="([^"]+)"/g)]
    .map((match) => (match[1] ?? "").replaceAll("&#x3D;", "=").replaceAll("&amp;", "&"))
    .find((href) => href.startsWith(`${stack.baseUrl}/t/c/`));
  if (!link) throw new Error("no tracked link in the email");
  const response = await fetch(link, { redirect: "manual" });
  expect(response.status).toBe(302);
}
