// Issue 9: the built-in programs are seeded on first start and again on every upgrade, on the real
// PostgreSQL: never duplicated (not even by two workers starting at once), a changed shipped definition
// becomes a new version, and a program the marketer edited is never overwritten.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import {
  definitionDigest,
  seedBuiltInSequences,
  seedDecision,
} from "../../activities/sequences/built-in-seeding.ts";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import { BUILT_IN_SEQUENCES } from "../../domain/sequences/built-in-sequences.ts";
import type { SequenceDefinition } from "../../domain/sequences/definition.ts";
import { type ContactStore, openContactStore } from "../../prisma/client.ts";
import { createDatabaseFromTemplate } from "../support/postgres.ts";

const KEYS = Object.keys(BUILT_IN_SEQUENCES).sort();
const stores: ContactStore[] = [];

async function freshStore(): Promise<ContactStore> {
  const store = openContactStore(await createDatabaseFromTemplate(inject("templateDatabase")));
  stores.push(store);
  return store;
}

afterAll(async () => {
  await Promise.all(stores.map((store) => store.$disconnect()));
});

async function versions(store: ContactStore, key: string) {
  const sequence = await store.sequence.findUniqueOrThrow({ where: { key }, include: { versions: true } });
  return {
    status: sequence.status,
    activeVersion: sequence.activeVersion,
    versions: sequence.versions.map((version) => version.version).sort(),
  };
}

// What successive releases ship: each one changes one program on top of the release before.
let shipped: Record<string, SequenceDefinition> = { ...BUILT_IN_SEQUENCES };
function shippedWithChange(key: string, name: string): Record<string, SequenceDefinition> {
  const changed = shipped[key];
  if (!changed) throw new Error(`no built-in ${key}`);
  shipped = { ...shipped, [key]: { ...changed, name } };
  return shipped;
}

describe("seeding the built-in programs", () => {
  let store: ContactStore;
  beforeAll(async () => {
    store = await freshStore();
  });

  test("the first start creates every program as version 1, live", async () => {
    const report = await seedBuiltInSequences(store);
    expect(report.created.sort()).toEqual(KEYS);
    expect(report.upgraded).toEqual([]);
    for (const key of KEYS) {
      expect(await versions(store, key)).toEqual({ status: "active", activeVersion: 1, versions: [1] });
    }
    expect(await store.builtInSeed.count()).toBe(KEYS.length);
  });

  test("starting again changes nothing", async () => {
    const report = await seedBuiltInSequences(store);
    expect(report.unchanged.sort()).toEqual(KEYS);
    expect(await store.sequenceVersion.count()).toBe(KEYS.length);
  });

  test("an upgrade that changed one program adds its new version and makes it live", async () => {
    const report = await seedBuiltInSequences(store, shippedWithChange("cart-recovery", "Recover carts v2"));
    expect(report.upgraded).toEqual(["cart-recovery"]);
    expect(report.unchanged).toHaveLength(KEYS.length - 1);
    expect(await versions(store, "cart-recovery")).toEqual({
      status: "active",
      activeVersion: 2,
      versions: [1, 2],
    });
    const live = await store.sequenceVersion.findUniqueOrThrow({
      where: { sequenceKey_version: { sequenceKey: "cart-recovery", version: 2 } },
    });
    expect((live.definition as { name: string }).name).toBe("Recover carts v2");
    // The same release starting again does not add it twice.
    expect((await seedBuiltInSequences(store, shipped)).upgraded).toEqual([]);
    expect((await versions(store, "cart-recovery")).versions).toEqual([1, 2]);
  });

  test("a program the marketer edited is never overwritten, whatever the seed ships", async () => {
    const theirs = { ...(BUILT_IN_SEQUENCES.welcome as SequenceDefinition), name: "Our own welcome" };
    await publishSequenceVersion(store, "welcome", theirs);
    const report = await seedBuiltInSequences(store, shippedWithChange("welcome", "Welcome, shipped v2"));
    expect(report.kept).toEqual(["welcome"]);
    expect(await versions(store, "welcome")).toEqual({
      status: "active",
      activeVersion: 2,
      versions: [1, 2],
    });
    const live = await store.sequenceVersion.findUniqueOrThrow({
      where: { sequenceKey_version: { sequenceKey: "welcome", version: 2 } },
    });
    expect((live.definition as { name: string }).name).toBe("Our own welcome");
    // Even when the marketer's version happens to equal what is shipped, it stays theirs.
    await publishSequenceVersion(store, "welcome", BUILT_IN_SEQUENCES.welcome as SequenceDefinition);
    expect((await seedBuiltInSequences(store, shippedWithChange("welcome", "v3"))).kept).toEqual(["welcome"]);
    expect((await versions(store, "welcome")).versions).toEqual([1, 2, 3]);
  });

  test("a paused program, or one rolled back to an older version, keeps that choice on upgrade", async () => {
    await store.sequence.update({ where: { key: "re-engagement" }, data: { status: "paused" } });
    await seedBuiltInSequences(store, shippedWithChange("re-engagement", "Win back v2"));
    expect(await versions(store, "re-engagement")).toEqual({
      status: "paused",
      activeVersion: 2,
      versions: [1, 2],
    });

    // cart-recovery is at seed version 2; the marketer went back to version 1.
    await store.sequence.update({ where: { key: "cart-recovery" }, data: { activeVersion: 1 } });
    const report = await seedBuiltInSequences(store, shippedWithChange("cart-recovery", "Recover carts v3"));
    expect(report.upgraded).toEqual(["cart-recovery"]);
    expect(await versions(store, "cart-recovery")).toEqual({
      status: "active",
      activeVersion: 1,
      versions: [1, 2, 3],
    });
  });

  test("an archived program is not brought back", async () => {
    await store.sequence.update({ where: { key: "nurture-lead" }, data: { status: "archived" } });
    const report = await seedBuiltInSequences(store, shippedWithChange("nurture-lead", "Leads v2"));
    expect(report.kept).toContain("nurture-lead");
    expect(await versions(store, "nurture-lead")).toMatchObject({ status: "archived", versions: [1] });
  });
});

test("two workers starting at once seed each program once", async () => {
  const url = await createDatabaseFromTemplate(inject("templateDatabase"));
  // Two processes: two clients with their own connection pools.
  const [store, other] = [openContactStore(url), openContactStore(url)];
  stores.push(store, other);
  const reports = await Promise.all([seedBuiltInSequences(store), seedBuiltInSequences(other)]);
  expect(reports.map((report) => report.created.length).sort()).toEqual([0, KEYS.length]);
  expect(await store.sequenceVersion.count()).toBe(KEYS.length);
  expect(await store.builtInSeed.count()).toBe(KEYS.length);
});

test("a version seeded before seeds were recorded is recognised by its content", () => {
  const legacyWelcome = "d8a1c5c9341a1b635d1a99b2b6f7f64c6f0715e3a3d0068f4ba3f3e96375691d";
  const state = (digest: string) => ({
    status: "active",
    activeVersion: 1,
    latest: { version: 1, digest, seeded: false },
    hasSeedRecords: false,
  });
  expect(seedDecision("welcome", state(legacyWelcome), "new-digest")).toBe("upgrade");
  expect(seedDecision("welcome", state("marketer-digest"), "new-digest")).toBe("keep");
  expect(seedDecision("welcome", null, "new-digest")).toBe("create");
  // Once seeds are recorded for a program, content alone never makes a version a seed.
  expect(seedDecision("welcome", { ...state(legacyWelcome), hasSeedRecords: true }, "new-digest")).toBe(
    "keep",
  );
  // Key order does not change a digest: JSONB hands definitions back with their keys reordered.
  expect(definitionDigest({ a: 1, b: [{ c: 2, d: 3 }] })).toBe(
    definitionDigest({ b: [{ d: 3, c: 2 }], a: 1 }),
  );
});

test("upgrading from the release before the programs were rewritten: new versions, one new program, the edit kept", async () => {
  const previous = JSON.parse(
    readFileSync(new URL("../fixtures/built-ins-previous-release.json", import.meta.url), "utf8"),
  ) as Record<string, SequenceDefinition>;
  const store = await freshStore();
  expect((await seedBuiltInSequences(store, previous)).created.sort()).toEqual(Object.keys(previous).sort());
  // The marketer had made the MQL nurture their own before upgrading.
  const theirs = { ...(previous["nurture-mql"] as SequenceDefinition), name: "Our MQL nurture" };
  await publishSequenceVersion(store, "nurture-mql", theirs);

  const report = await seedBuiltInSequences(store);
  const added = KEYS.filter((key) => !(key in previous));
  expect(added).toEqual(["welcome-series"]);
  expect(report.created).toEqual(added);
  expect(report.kept).toEqual(["nurture-mql"]);
  // Cart recovery already was what the issue asks for; every other program changed.
  expect(report.unchanged).toEqual(["cart-recovery"]);
  expect(report.upgraded.sort()).toEqual(
    KEYS.filter((key) => key in previous && !["nurture-mql", "cart-recovery"].includes(key)),
  );
  for (const key of report.upgraded) {
    const sequence = await store.sequence.findUniqueOrThrow({ where: { key } });
    expect(sequence.activeVersion).toBe(2);
    const live = await store.sequenceVersion.findUniqueOrThrow({
      where: { sequenceKey_version: { sequenceKey: key, version: 2 } },
    });
    expect(definitionDigest(live.definition)).toBe(definitionDigest(BUILT_IN_SEQUENCES[key]));
  }
  const mql = await store.sequence.findUniqueOrThrow({
    where: { key: "nurture-mql" },
    include: { versions: true },
  });
  expect(mql.versions.map((version) => version.version).sort()).toEqual([1, 2]);
  const edited = mql.versions.find((version) => version.version === 2);
  expect((edited?.definition as { name?: string } | undefined)?.name).toBe("Our MQL nurture");

  // Starting the upgraded release again writes nothing.
  const again = await seedBuiltInSequences(store);
  expect(again.created).toEqual([]);
  expect(again.upgraded).toEqual([]);
  expect(await store.sequenceVersion.count()).toBe(
    Object.keys(previous).length + report.upgraded.length + 1 + added.length,
  );
});
