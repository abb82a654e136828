// Guard: the export and the erasure walk CONTACT_RECORDS, so every table that holds rows about a
// contact must be listed there (or in NOT_ABOUT_THE_PERSON, with the reason). A model added to
// prisma/schema.prisma with a contactId, a relation to Contact or an address column fails here until
// it is covered.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { CONTACT_RECORDS, NOT_ABOUT_THE_PERSON } from "../../../activities/contacts/contact-records.ts";
import { ContactExport } from "../../../api/schemas/contact-schemas.ts";

const schema = readFileSync(new URL("../../../prisma/schema.prisma", import.meta.url), "utf8");

/** model name → its field lines */
function models(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const match of schema.matchAll(/^model (\w+) \{\n([\s\S]*?)^\}/gm)) {
    const [, name, body] = match;
    if (name && body !== undefined)
      found.set(
        name,
        body.split("\n").map((line) => line.trim()),
      );
  }
  return found;
}

function keyedByContact(fields: string[]): boolean {
  return fields.some(
    (line) =>
      /^contactId\s/.test(line) ||
      /^\w+\s+Contact\??\s/.test(line) ||
      // an address stored outside the contact row
      /^(email|toAddress|address)\s+String/.test(line),
  );
}

describe("contact records", () => {
  test("the schema parses into models (the guard reads what it thinks it reads)", () => {
    expect([...models().keys()]).toEqual(
      expect.arrayContaining(["Contact", "Event", "SendLedger", "Suppression"]),
    );
  });

  test("every table keyed by a contact is exported and erased, or said to hold nothing about the person", () => {
    const keyed = [...models()]
      .filter(([name, fields]) => name !== "Contact" && keyedByContact(fields))
      .map(([name]) => name)
      .sort();
    const covered = [...Object.keys(CONTACT_RECORDS), ...Object.keys(NOT_ABOUT_THE_PERSON)].sort();
    expect(covered).toEqual(keyed);
  });

  test("the export document's schema names every kind of record, and nothing else", () => {
    const kinds = Object.values(CONTACT_RECORDS).map((kind) => kind.exportAs);
    expect(Object.keys(ContactExport.shape).sort()).toEqual(
      ["exportedAt", "contact", "mergedGhosts", ...kinds].sort(),
    );
  });
});
