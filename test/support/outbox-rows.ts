// Contacts and outbox rows for the tests of the trigger pipeline.
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { builtIn } from "./built-in.ts";
import { type SmtpSink, startSmtpSink } from "./smtp-sink.ts";
import { api, startTestStack, type TestStack } from "./test-stack.ts";

/** A contact created through the API, with marketing consent (the programs email it). */
export async function createConsentingContact(stack: TestStack, email: string): Promise<string> {
  const created = await api(stack, "POST", "/v1/contacts", { email, name: "Pat", marketingConsent: true });
  if (created.status !== 201) throw new Error(`contact not created: ${created.status}`);
  return created.body.id;
}

/**
 * A cart abandonment written as a row from before the API's size limit existed: a workflow input far
 * beyond what Temporal accepts, so every delivery attempt is rejected.
 */
export function writeOversizedCartRow(store: ContactStore, contactId: string, cartId: string) {
  return store.outbox.create({
    data: {
      kind: "event",
      contactId,
      payload: {
        kind: "event",
        eventType: "cart_abandoned",
        properties: { cartId, note: "x".repeat(3 * 1024 * 1024) },
        occurredAt: new Date().toISOString(),
      },
    },
  });
}

/** Consenting contacts moved to `lead` through the API (each change is an outbox row); their ids. */
export async function contactsEnteringLead(stack: TestStack, emails: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const email of emails) {
    const id = await createConsentingContact(stack, email);
    const moved = await api(stack, "PUT", `/v1/contacts/${id}/stage`, { stage: "lead" });
    if (moved.status !== 200) throw new Error(`stage not changed: ${moved.status}`);
    ids.push(id);
  }
  return ids;
}

/**
 * A sink and a stack whose dispatcher parks a row after `maxAttempts` quick retries, with the
 * built-in welcome and cart-recovery programs published.
 */
export async function startParkingStack(maxAttempts: number): Promise<{ sink: SmtpSink; stack: TestStack }> {
  const sink = await startSmtpSink();
  const stack = await startTestStack({
    smtpUrl: sink.url,
    env: { OUTBOX_MAX_ATTEMPTS: String(maxAttempts), OUTBOX_RETRY_BASE_MS: "100" },
  });
  for (const key of ["welcome", "cart-recovery"])
    await publishSequenceVersion(stack.store, key, builtIn(key));
  return { sink, stack };
}
