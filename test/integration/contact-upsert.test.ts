// POST /v1/contacts's store call (activities/contacts/contact-upsert.ts) on its own: a new address is
// created with the defaults and classified; a known one changes only in the fields the call names.
import { afterAll, beforeAll, expect, inject, test } from "vitest";
import { upsertContactByEmail } from "../../activities/contacts/contact-upsert.ts";
import { type ContactStore, openContactStore } from "../../prisma/client.ts";
import { createDatabaseFromTemplate } from "../support/postgres.ts";

let store: ContactStore;

beforeAll(async () => {
  store = openContactStore(await createDatabaseFromTemplate(inject("templateDatabase")), 2);
});
afterAll(() => store.$disconnect());

const stored = (email: string) => store.contact.findUniqueOrThrow({ where: { email } });

test("a new address is created with the defaults and enters the new segment", async () => {
  const { contact, created } = await upsertContactByEmail(store, { email: "new@example.com" }, true);
  expect(created).toBe(true);
  expect(contact).toMatchObject({
    email: "new@example.com",
    name: null,
    timeZone: "UTC",
    marketingConsent: true,
    properties: {},
    segment: "new",
    lifecycleStage: "subscriber",
  });
  const row = await stored("new@example.com");
  expect(contact).toEqual({
    id: row.id,
    email: row.email,
    name: row.name,
    timeZone: row.timeZone,
    lifecycleStage: row.lifecycleStage,
    highestStage: row.highestStage,
    score: row.score,
    segment: row.segment,
    marketingConsent: row.marketingConsent,
    unsubscribedAt: row.unsubscribedAt,
    properties: row.properties,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  });
  expect(await store.segmentMembership.count({ where: { contactId: row.id, segment: "new" } })).toBe(1);
});

test("a known address changes only in what the call names", async () => {
  await upsertContactByEmail(
    store,
    { email: "known@example.com", name: "Ada", timeZone: "Europe/Paris", properties: { plan: "free" } },
    false,
  );
  const renamed = await upsertContactByEmail(store, { email: "known@example.com", name: "Ada L." }, true);
  expect(renamed.created).toBe(false);
  expect(renamed.contact).toMatchObject({
    name: "Ada L.",
    timeZone: "Europe/Paris",
    marketingConsent: false,
    properties: { plan: "free" },
  });
  const replaced = await upsertContactByEmail(
    store,
    { email: "known@example.com", properties: { plan: "pro" } },
    true,
  );
  expect(replaced.contact.properties).toEqual({ plan: "pro" });

  const before = await stored("known@example.com");
  const untouched = await upsertContactByEmail(store, { email: "known@example.com" }, true);
  expect(untouched.created).toBe(false);
  expect((await stored("known@example.com")).updatedAt).toEqual(before.updatedAt);
  expect(await store.segmentMembership.count({ where: { contactId: before.id } })).toBe(1);
});
