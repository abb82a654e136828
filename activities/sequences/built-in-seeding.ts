// Seeds the built-in programs on every start: a missing one is created, one whose shipped definition
// changed gets the new definition as a new version, and one the marketer has edited is left alone.
//
// "Edited" means the latest version is not one the seed wrote: BuiltInSeed lists the versions written
// by a seed with the digest of the definition each holds. Installs seeded before that table existed
// are recognised by content: a version whose definition equals one shipped earlier is a seed too.
import { createHash } from "node:crypto";
import { BUILT_IN_SEQUENCES } from "../../domain/sequences/built-in-sequences.ts";
import type { SequenceDefinition } from "../../domain/sequences/definition.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { ContactStore } from "../../prisma/client.ts";

/** Digests of the definitions earlier releases seeded without recording them (the first release). */
const SHIPPED_BEFORE_SEED_RECORDS: Readonly<Record<string, readonly string[]>> = {
  welcome: ["d8a1c5c9341a1b635d1a99b2b6f7f64c6f0715e3a3d0068f4ba3f3e96375691d"],
  "nurture-lead": ["e148805c0096d6fa3ada0ed3cfa8ca288c929f8f5218c7ede9e24c1a495cb188"],
  "nurture-mql": ["ff959106c1428dfb6eee10a9e2ef17486a7dce779e420db8e657ccb512eace48"],
  "nurture-opportunity": ["162b27458c41521f1e496a57132efd0562d4a9e9b942c816401594a66a52522b"],
  "cart-recovery": ["4196cd19c764a632b9c9a681cd8bb7712163eae16cc96875d5792436715c859c"],
  "re-engagement": ["197e2938aaa412db9b819321c4950af50fc396ccd06a35c7ab0ea6a4309cceb1"],
  "post-purchase": ["6e00df7335f5485f350c1881980d9d100676a5029bc81389b1e1383353a2866a"],
};

export interface SeedReport {
  /** Seeded for the first time. */
  created: string[];
  /** Given the newly shipped definition as a new version. */
  upgraded: string[];
  /** Edited by the marketer (or archived): left as they are. */
  kept: string[];
  unchanged: string[];
}

// One lock for the whole seed: workers starting together must not both create or upgrade a program.
const SEED_LOCK = 727_310_419;

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((key) => [key, canonical((value as Record<string, unknown>)[key])]);
    return Object.fromEntries(entries);
  }
  return value;
}

/** Stable across key order (JSONB does not keep it), so a stored definition digests as it was shipped. */
export function definitionDigest(definition: unknown): string {
  return createHash("sha256")
    .update(JSON.stringify(canonical(definition)))
    .digest("hex");
}

type Decision = "create" | "upgrade" | "keep" | "unchanged";

interface SequenceState {
  status: string;
  activeVersion: number | null;
  latest: { version: number; digest: string; seeded: boolean } | null;
  /** Whether any version of it was recorded as seeded (else it predates the records, or is the marketer's). */
  hasSeedRecords: boolean;
}

/** What the seed does with one program, from its stored state and the digest now shipped. */
export function seedDecision(key: string, state: SequenceState | null, shippedDigest: string): Decision {
  if (!state?.latest) return "create";
  const { latest } = state;
  const seeded =
    latest.seeded ||
    (!state.hasSeedRecords && (SHIPPED_BEFORE_SEED_RECORDS[key] ?? []).includes(latest.digest));
  if (!seeded || state.status === "archived") return "keep";
  return latest.digest === shippedDigest ? "unchanged" : "upgrade";
}

async function loadState(tx: Prisma.TransactionClient, key: string): Promise<SequenceState | null> {
  const sequence = await tx.sequence.findUnique({
    where: { key },
    include: { versions: { orderBy: { version: "desc" }, take: 1 } },
  });
  if (!sequence) return null;
  const [latest] = sequence.versions;
  const seeds = await tx.builtInSeed.findMany({ where: { sequenceKey: key }, select: { version: true } });
  const seed = seeds.find((row) => row.version === latest?.version);
  return {
    hasSeedRecords: seeds.length > 0,
    status: sequence.status,
    activeVersion: sequence.activeVersion,
    latest: latest
      ? { version: latest.version, digest: definitionDigest(latest.definition), seeded: seed !== undefined }
      : null,
  };
}

// A new version of the shipped definition. It goes live only where the live version was the previous
// seed: a marketer who activated another version, or paused the program, keeps that choice.
async function writeSeedVersion(
  tx: Prisma.TransactionClient,
  key: string,
  definition: SequenceDefinition,
  state: SequenceState | null,
  digest: string,
): Promise<void> {
  const version = (state?.latest?.version ?? 0) + 1;
  const goesLive = !state || state.activeVersion === state.latest?.version;
  if (!state) await tx.sequence.create({ data: { key, name: definition.name } });
  await tx.sequenceVersion.create({
    data: { sequenceKey: key, version, definition: definition as unknown as Prisma.InputJsonValue },
  });
  await tx.builtInSeed.create({ data: { sequenceKey: key, version, digest } });
  if (goesLive) {
    await tx.sequence.update({
      where: { key },
      data: { name: definition.name, activeVersion: version, ...(state ? {} : { status: "active" }) },
    });
  }
}

export async function seedBuiltInSequences(
  store: ContactStore,
  builtIns: Readonly<Record<string, SequenceDefinition>> = BUILT_IN_SEQUENCES,
): Promise<SeedReport> {
  return store.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SEED_LOCK})`;
    const report: SeedReport = { created: [], upgraded: [], kept: [], unchanged: [] };
    for (const [key, definition] of Object.entries(builtIns)) {
      const digest = definitionDigest(definition);
      const state = await loadState(tx, key);
      const decision = seedDecision(key, state, digest);
      if (decision === "create" || decision === "upgrade") {
        await writeSeedVersion(tx, key, definition, state, digest);
      }
      const bucket = {
        create: "created",
        upgrade: "upgraded",
        keep: "kept",
        unchanged: "unchanged",
      } as const;
      report[bucket[decision]].push(key);
    }
    return report;
  });
}
