// GET /v1/contacts: find by email, filter by stage and segment, page through with an opaque cursor in
// a stable order; the default and the largest page size; bad filters are 400s naming the field.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CONTACT_PAGE_DEFAULT, CONTACT_PAGE_MAX } from "../../api/schemas/contact-schemas.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ smtpUrl: "smtp://127.0.0.1:9" });
});

afterAll(async () => {
  await stack?.stop();
});

async function createContact(email: string): Promise<string> {
  const created = await api(stack, "POST", "/v1/contacts", { email, name: "List Person" });
  expect(created.status).toBe(201);
  return created.body.id;
}

const list = async (query: string) => {
  const answer = await api(stack, "GET", `/v1/contacts?${query}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as { contacts: Array<{ id: string; email: string }>; nextCursor: string | null };
};

const emailsOf = (page: { contacts: Array<{ email: string }> }) =>
  page.contacts.map((contact) => contact.email);

describe("listing contacts", () => {
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    for (const name of ["ann", "bob", "cat", "dan", "eve"])
      ids[name] = await createContact(`${name}@list.example`);
    expect((await api(stack, "PUT", `/v1/contacts/${ids.bob}/stage`, { stage: "lead" })).status).toBe(200);
    expect((await api(stack, "PUT", `/v1/contacts/${ids.dan}/stage`, { stage: "lead" })).status).toBe(200);
    expect((await api(stack, "PUT", `/v1/contacts/${ids.eve}/stage`, { stage: "customer" })).status).toBe(
      200,
    );
  });

  test("by email, whatever its case", async () => {
    const page = await list("email=Cat@List.Example");
    expect(page.contacts).toEqual([expect.objectContaining({ id: ids.cat, email: "cat@list.example" })]);
    expect(page.nextCursor).toBeNull();
    expect((await list("email=nobody@list.example")).contacts).toEqual([]);
  });

  test("by stage and by segment", async () => {
    expect(emailsOf(await list("stage=lead"))).toEqual(["bob@list.example", "dan@list.example"]);
    expect(emailsOf(await list("stage=customer"))).toEqual(["eve@list.example"]);
    // A manual stage change recomputes the segment: qualified interest (a customer without orders too).
    expect(emailsOf(await list("segment=lead"))).toEqual([
      "bob@list.example",
      "dan@list.example",
      "eve@list.example",
    ]);
    expect(emailsOf(await list("segment=new&stage=subscriber"))).toEqual([
      "ann@list.example",
      "cat@list.example",
    ]);
  });

  test("page by page in creation order; a contact created meanwhile comes on a later page", async () => {
    const first = await list("limit=2");
    expect(emailsOf(first)).toEqual(["ann@list.example", "bob@list.example"]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const added = await createContact("fay@list.example");
    const second = await list(`limit=2&cursor=${encodeURIComponent(first.nextCursor ?? "")}`);
    expect(emailsOf(second)).toEqual(["cat@list.example", "dan@list.example"]);
    const third = await list(`limit=2&cursor=${encodeURIComponent(second.nextCursor ?? "")}`);
    expect(third.contacts.map((contact) => contact.id)).toEqual([ids.eve, added]);
    // The page that holds the last contact says so.
    expect(third.nextCursor).toBeNull();
    // Filters and the cursor combine.
    const leads = await list("stage=lead&limit=1");
    expect(emailsOf(leads)).toEqual(["bob@list.example"]);
    const nextLead = await list(`stage=lead&limit=1&cursor=${encodeURIComponent(leads.nextCursor ?? "")}`);
    expect(emailsOf(nextLead)).toEqual(["dan@list.example"]);
  });

  test(`${CONTACT_PAGE_DEFAULT} a page unless asked, at most ${CONTACT_PAGE_MAX}`, async () => {
    await stack.store.contact.createMany({
      data: Array.from({ length: CONTACT_PAGE_DEFAULT + 5 }, (_, index) => ({
        email: `bulk${String(index).padStart(3, "0")}@list.example`,
        createdAt: new Date(Date.now() + 60_000 + index),
      })),
    });
    const page = await list("");
    expect(page.contacts).toHaveLength(CONTACT_PAGE_DEFAULT);
    const rest = await list(`cursor=${encodeURIComponent(page.nextCursor ?? "")}&limit=${CONTACT_PAGE_MAX}`);
    expect(rest.contacts.length).toBe(6 + CONTACT_PAGE_DEFAULT + 5 - CONTACT_PAGE_DEFAULT);
    expect(rest.nextCursor).toBeNull();
    const all = [...page.contacts, ...rest.contacts].map((contact) => contact.id);
    expect(new Set(all).size).toBe(all.length);
  });

  test("bad filters are 400s naming the field", async () => {
    for (const [query, field] of [
      [`limit=${CONTACT_PAGE_MAX + 1}`, "limit"],
      ["limit=0", "limit"],
      ["stage=prospect", "stage"],
      ["segment=vip", "segment"],
      ["cursor=not-a-cursor", "cursor"],
      ["colour=blue", ""],
    ] as const) {
      const answer = await api(stack, "GET", `/v1/contacts?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.contentType).toContain("application/problem+json");
      if (field) expect(answer.body.errors).toEqual([expect.objectContaining({ field })]);
    }
  });
});
