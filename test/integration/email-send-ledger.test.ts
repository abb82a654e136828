// The send activity called directly, no worker: what its one-statement claim (contact, suppression,
// send-ledger row) decides, how its sent marks are written together, and how soon the template catalog
// sees a newly published version.
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { createSentMarks } from "../../activities/email/sent-marks.ts";
import type { SendSequenceEmailInput } from "../../activities/email/sequence-email-activities.ts";
import { createSmtpTransport } from "../../activities/email/smtp-transport.ts";
import { ACTIVE_VERSION_TTL_MS, createTemplateCatalog } from "../../activities/email/template-catalog.ts";
import { createTemplate, publishTemplateVersion } from "../../activities/email/template-store.ts";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import { sqlPool } from "../../prisma/client.ts";
import { directSendActivities } from "../support/direct-send.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { startTestStack, type TestStack } from "../support/test-stack.ts";

let sink: SmtpSink;
let stack: TestStack;
let transport: ReturnType<typeof createSmtpTransport>;

beforeAll(async () => {
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url });
  transport = createSmtpTransport({ smtpUrl: sink.url, pool: false, maxConnections: 1 });
});

afterAll(async () => {
  transport?.close();
  await stack?.stop();
  await sink?.stop();
});

beforeEach(() => sink.clear());
afterEach(() => vi.restoreAllMocks());

const activities = () => directSendActivities(stack, transport);

async function contact(data: { email: string | null; marketingConsent?: boolean }): Promise<string> {
  const id = randomUUID();
  await stack.store.contact.create({ data: { id, name: "Ada Lovelace", marketingConsent: true, ...data } });
  return id;
}

const sendInput = (contactId: string, templateKey = "welcome"): SendSequenceEmailInput => ({
  ledgerKey: `test/${contactId}#send`,
  enrollmentId: `test/${contactId}`,
  stepId: "send",
  contactId,
  templateKey,
  templateData: { resourcesUrl: "https://example.com/resources" },
});

const ledgerOf = (contactId: string) => stack.store.sendLedger.findMany({ where: { contactId } });

describe("the send activity's claim", () => {
  test("writes the ledger row with its attempt before sending, and a retry of a sent row sends nothing", async () => {
    const send = activities();
    const contactId = await contact({ email: "ada@example.com" });
    const first = await send.sendSequenceEmail(sendInput(contactId));
    expect(first.status).toBe("sent");
    const [row] = await ledgerOf(contactId);
    expect(row).toMatchObject({
      status: "sent",
      attempts: 1,
      templateKey: "welcome",
      templateVersion: 0,
      toAddress: "ada@example.com",
      subject: "Welcome to Lumen Analytics, Ada",
    });
    expect(row?.sentAt?.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(first).toEqual({ status: "sent", messageId: row?.messageId });

    expect(await send.sendSequenceEmail(sendInput(contactId))).toEqual({
      status: "already_sent",
      messageId: row?.messageId,
    });
    expect(sink.attempts("ada@example.com")).toBe(1);
    expect(await ledgerOf(contactId)).toHaveLength(1);
  });

  test("a pending row left by a crashed attempt is reused: same Message-ID, second attempt", async () => {
    const contactId = await contact({ email: "grace@example.com" });
    const input = sendInput(contactId);
    const pending = await stack.store.sendLedger.create({
      data: {
        businessKey: input.ledgerKey,
        contactId,
        templateKey: "welcome",
        toAddress: "grace@example.com",
        messageId: "<crashed@lumen.example>",
        attempts: 1,
      },
    });
    expect(await activities().sendSequenceEmail(input)).toEqual({
      status: "sent",
      messageId: "<crashed@lumen.example>",
    });
    expect(await ledgerOf(contactId)).toEqual([
      expect.objectContaining({ id: pending.id, status: "sent", attempts: 2 }),
    ]);
  });

  test("a suppressed address, whatever its case, and a contact without consent get no marketing email", async () => {
    const send = activities();
    await stack.store.suppression.create({ data: { email: "bounced@example.com", reason: "hard_bounce" } });
    const bounced = await contact({ email: "Bounced@Example.com" });
    const noConsent = await contact({ email: "quiet@example.com", marketingConsent: false });
    // PostgreSQL's lower() may leave non-ASCII letters alone (C locale): the list is still found.
    await stack.store.suppression.create({ data: { email: "élodie@example.com", reason: "complaint" } });
    const accented = await contact({ email: "Élodie@Example.com" });
    expect(await send.sendSequenceEmail(sendInput(accented))).toEqual({
      status: "suppressed",
      reason: "suppressed: complaint",
    });

    expect(await send.sendSequenceEmail(sendInput(bounced))).toEqual({
      status: "suppressed",
      reason: "suppressed: hard_bounce",
    });
    expect(await send.sendSequenceEmail(sendInput(noConsent))).toEqual({
      status: "suppressed",
      reason: "no marketing consent",
    });
    expect(await ledgerOf(bounced)).toEqual([
      expect.objectContaining({ status: "suppressed", attempts: 0, error: "suppressed: hard_bounce" }),
    ]);
    expect(await ledgerOf(noConsent)).toEqual([
      expect.objectContaining({ status: "suppressed", attempts: 0, error: "no marketing consent" }),
    ]);
    // A retry finds the final row and does not look again.
    expect(await send.sendSequenceEmail(sendInput(noConsent))).toEqual({
      status: "suppressed",
      reason: "no marketing consent",
    });

    // Transactional email (a transactional sequence's) is not held back by the list.
    const { version } = await publishSequenceVersion(stack.store, "receipts", {
      key: "receipts",
      name: "Receipts",
      category: "transactional",
      trigger: { type: "event", eventType: "order_placed", entryKeyProperty: "orderId" },
      entry: { reEntry: { mode: "after_exit" } },
      steps: [{ id: "send", type: "send_email", template: "post-purchase-thanks" }],
      goals: [],
    });
    await stack.store.enrollment.create({
      data: {
        id: `test/${bounced}`,
        sequenceKey: "receipts",
        sequenceVersion: version,
        contactId: bounced,
        entryKey: "A-1",
      },
    });
    const receipt = await send.sendSequenceEmail({
      ...sendInput(bounced, "post-purchase-thanks"),
      ledgerKey: `test/${bounced}#receipt`,
      templateData: { order: { id: "A-1", total: "$1.00", items: [] } },
    });
    expect(receipt.status).toBe("sent");
    expect(sink.messages()).toHaveLength(1);
  });

  test("a contact without an address, or no contact, is skipped with no ledger row, even for an unknown template", async () => {
    const send = activities();
    const noEmail = await contact({ email: null });
    const skipped = { status: "skipped", reason: "contact has no email address" };
    expect(await send.sendSequenceEmail(sendInput(noEmail))).toEqual(skipped);
    expect(await send.sendSequenceEmail(sendInput(noEmail, "no-such-template"))).toEqual(skipped);
    expect(await send.sendSequenceEmail(sendInput(randomUUID()))).toEqual(skipped);
    expect(await ledgerOf(noEmail)).toEqual([]);

    const withEmail = await contact({ email: "lin@example.com" });
    await expect(send.sendSequenceEmail(sendInput(withEmail, "no-such-template"))).rejects.toMatchObject({
      type: "UnknownTemplate",
      nonRetryable: true,
    });
    expect(await ledgerOf(withEmail)).toEqual([]);
  });
});

describe("the sent marks", () => {
  test("sends going out together are each marked sent with their own subject and time", async () => {
    const send = activities();
    const contacts = await Promise.all(
      Array.from({ length: 12 }, (_, index) => contact({ email: `batch${index}@example.com` })),
    );
    const before = Date.now();
    const outcomes = await Promise.all(contacts.map((id) => send.sendSequenceEmail(sendInput(id))));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(contacts.map(() => "sent"));
    const rows = await stack.store.sendLedger.findMany({ where: { contactId: { in: contacts } } });
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      expect(row).toMatchObject({ status: "sent", attempts: 1, subject: "Welcome to Lumen Analytics, Ada" });
      expect(row.sentAt?.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    }
    expect(sink.messages()).toHaveLength(12);
  });

  test("a mark that cannot be written fails only its own send, not the others of its batch", async () => {
    const contactId = await contact({ email: "marks@example.com" });
    const rows = await stack.store.sendLedger.createManyAndReturn({
      data: [1, 2, 3].map((index) => ({
        businessKey: `marks/${contactId}#${index}`,
        contactId,
        templateKey: "welcome",
        toAddress: "marks@example.com",
        messageId: `<marks-${index}@lumen.example>`,
        attempts: 1,
      })),
    });
    const markSent = createSentMarks(sqlPool(stack.store));
    const sentAt = new Date("2026-12-02T10:00:00.000Z");
    const mark = (ledgerId: string) => markSent({ ledgerId, subject: `subject ${ledgerId}`, sentAt });
    // The first mark is written alone; the rest wait for it and go out as one batch, which the
    // malformed id fails.
    const outcomes = await Promise.allSettled([
      mark(String(rows[0]?.id)),
      mark(String(rows[1]?.id)),
      mark("not-a-ledger-id"),
      mark(String(rows[2]?.id)),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
    ]);
    const marked = await stack.store.sendLedger.findMany({ where: { contactId }, orderBy: { id: "asc" } });
    expect(marked.map((row) => [row.status, row.subject, row.sentAt?.toISOString()])).toEqual(
      rows.map((row) => ["sent", `subject ${row.id}`, sentAt.toISOString()]),
    );
  });
});

describe("the template catalog", () => {
  const version = (text: string) => ({
    subject: `${text} for {{contact.firstName}}`,
    mjml: `<mjml><mj-body><mj-section><mj-column><mj-text>${text}</mj-text></mj-column></mj-section></mj-body></mjml>`,
    category: "transactional" as const,
    sampleData: {},
  });

  test("resolves the active stored version; a new one applies once the short cache window has passed", async () => {
    const catalog = createTemplateCatalog(stack.store);
    await createTemplate(stack.store, "catalog-note", version("First"));
    expect(await catalog.resolve("catalog-note")).toMatchObject({ version: 1, category: "transactional" });

    await publishTemplateVersion(stack.store, "catalog-note", version("Second"));
    expect((await catalog.resolve("catalog-note")).version).toBe(1);

    const later = Date.now() + ACTIVE_VERSION_TTL_MS + 1;
    vi.spyOn(Date, "now").mockReturnValue(later);
    const resolved = await catalog.resolve("catalog-note");
    expect(resolved.version).toBe(2);
    expect(resolved.compiled.version).toBe(2);
  });

  test("a built-in key resolves to its file until a stored version exists", async () => {
    const catalog = createTemplateCatalog(stack.store);
    expect(await catalog.resolve("nurture-lead")).toMatchObject({ version: 0, category: "marketing" });
    await publishTemplateVersion(stack.store, "nurture-lead", version("Edited"));
    vi.spyOn(Date, "now").mockReturnValue(Date.now() + ACTIVE_VERSION_TTL_MS + 1);
    expect(await catalog.resolve("nurture-lead")).toMatchObject({ version: 1, category: "transactional" });
  });

  test("an unknown key is not cached as unknown", async () => {
    const catalog = createTemplateCatalog(stack.store);
    await expect(catalog.resolve("later-key")).rejects.toMatchObject({ type: "UnknownTemplate" });
    await createTemplate(stack.store, "later-key", version("Now here"));
    expect((await catalog.resolve("later-key")).version).toBe(1);
  });
});
