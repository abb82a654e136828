// Published sequences in the contact store: versions are immutable, activation picks the one that runs.

import { BUILT_IN_SEQUENCES } from "../../domain/sequences/built-in-sequences.ts";
import type { SequenceDefinition, SequenceVersionRef } from "../../domain/sequences/definition.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { type ContactStore, sqlPool } from "../../prisma/client.ts";

/**
 * Every active sequence with its active version, in one statement (older versions stay unread),
 * through the store's pg pool: ingestion reads them for every batch.
 */
export async function loadActiveSequences(store: ContactStore): Promise<SequenceVersionRef[]> {
  const { rows } = await sqlPool(store).query<{ key: string; version: number; definition: unknown }>(
    `SELECT s.key, v.version, v.definition FROM "Sequence" s
     JOIN "SequenceVersion" v ON v."sequenceKey" = s.key AND v.version = s."activeVersion"
     WHERE s.status = 'active' ORDER BY s.key`,
  );
  return rows.map((row) => ({
    key: row.key,
    version: row.version,
    definition: row.definition as SequenceDefinition,
  }));
}

/** Publishes a new immutable version and makes it the active one. */
export async function publishSequenceVersion(
  store: ContactStore,
  key: string,
  definition: SequenceDefinition,
): Promise<SequenceVersionRef> {
  return store.$transaction(async (tx) => {
    await tx.sequence.upsert({ where: { key }, create: { key, name: definition.name }, update: {} });
    // Serialises concurrent publishes of one key so version numbers stay dense and unique.
    await tx.$executeRaw`SELECT 1 FROM "Sequence" WHERE key = ${key} FOR UPDATE`;
    const latest = await tx.sequenceVersion.aggregate({
      where: { sequenceKey: key },
      _max: { version: true },
    });
    const version = (latest._max.version ?? 0) + 1;
    await tx.sequenceVersion.create({
      data: { sequenceKey: key, version, definition: definition as unknown as Prisma.InputJsonValue },
    });
    await tx.sequence.update({
      where: { key },
      data: { name: definition.name, activeVersion: version, status: "active" },
    });
    return { key, version, definition };
  });
}

export type SequenceLifecycle = "draft" | "active" | "paused" | "archived";

export class SequenceConflictError extends Error {}

export interface SequenceSummary {
  key: string;
  name: string;
  status: SequenceLifecycle;
  liveVersion: number | null;
  latestVersion: number;
  builtIn: boolean;
}

export interface SequenceDetail extends SequenceSummary {
  versions: Array<{ version: number; createdAt: string; definition: SequenceDefinition }>;
}

function lifecycleOf(status: string): SequenceLifecycle {
  return status === "draft" || status === "paused" || status === "archived" ? status : "active";
}

/** Every stored sequence with its status and live version, and the built-ins not seeded yet. */
export async function listSequences(store: ContactStore): Promise<SequenceSummary[]> {
  const rows = await store.sequence.findMany({
    include: { versions: { select: { version: true } } },
    orderBy: { key: "asc" },
  });
  const stored = rows.map((row) => ({
    key: row.key,
    name: row.name,
    status: lifecycleOf(row.status),
    liveVersion: row.activeVersion,
    latestVersion: Math.max(0, ...row.versions.map((version) => version.version)),
    builtIn: row.key in BUILT_IN_SEQUENCES,
  }));
  const seeded = new Set(stored.map((summary) => summary.key));
  const unseeded = Object.entries(BUILT_IN_SEQUENCES)
    .filter(([key]) => !seeded.has(key))
    .map(([key, definition]) => ({
      key,
      name: definition.name,
      status: "draft" as const,
      liveVersion: null,
      latestVersion: 0,
      builtIn: true,
    }));
  return [...stored, ...unseeded].sort((a, b) => a.key.localeCompare(b.key));
}

export async function getSequence(store: ContactStore, key: string): Promise<SequenceDetail | null> {
  const row = await store.sequence.findUnique({
    where: { key },
    include: { versions: { orderBy: { version: "asc" } } },
  });
  if (!row) return null;
  return {
    key: row.key,
    name: row.name,
    status: lifecycleOf(row.status),
    liveVersion: row.activeVersion,
    latestVersion: Math.max(0, ...row.versions.map((version) => version.version)),
    builtIn: row.key in BUILT_IN_SEQUENCES,
    versions: row.versions.map((version) => ({
      version: version.version,
      createdAt: version.createdAt.toISOString(),
      definition: version.definition as unknown as SequenceDefinition,
    })),
  };
}

/** A new sequence as a draft version 1; nothing runs until it is activated. */
export async function createSequenceDraft(
  store: ContactStore,
  definition: SequenceDefinition,
): Promise<void> {
  await store.$transaction(async (tx) => {
    const existing = await tx.sequence.findUnique({ where: { key: definition.key } });
    if (existing) throw new SequenceConflictError(`sequence ${definition.key} exists`);
    await tx.sequence.create({
      data: { key: definition.key, name: definition.name, status: "draft", activeVersion: null },
    });
    await tx.sequenceVersion.create({
      data: {
        sequenceKey: definition.key,
        version: 1,
        definition: definition as unknown as Prisma.InputJsonValue,
      },
    });
  });
}

/** Adds the next immutable version; the live one stays live until another is activated. */
export async function addSequenceVersion(
  store: ContactStore,
  definition: SequenceDefinition,
): Promise<number> {
  return store.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<Array<{ key: string }>>`
      SELECT key FROM "Sequence" WHERE key = ${definition.key} FOR UPDATE`;
    if (locked.length === 0) throw new SequenceConflictError(`sequence ${definition.key} not found`);
    const latest = await tx.sequenceVersion.aggregate({
      where: { sequenceKey: definition.key },
      _max: { version: true },
    });
    const version = (latest._max.version ?? 0) + 1;
    await tx.sequenceVersion.create({
      data: {
        sequenceKey: definition.key,
        version,
        definition: definition as unknown as Prisma.InputJsonValue,
      },
    });
    return version;
  });
}

/** Moves a sequence through its lifecycle; `version` picks the live one on activate (default: latest). */
export async function setSequenceLifecycle(
  store: ContactStore,
  key: string,
  to: SequenceLifecycle,
  version?: number,
): Promise<SequenceSummary | null> {
  const detail = await getSequence(store, key);
  if (!detail) return null;
  if (detail.status === "archived" && to !== "archived") {
    throw new SequenceConflictError(`sequence ${key} is archived`);
  }
  if (to === "paused" && detail.status !== "active") {
    throw new SequenceConflictError(`only an active sequence can be paused (it is ${detail.status})`);
  }
  if (to === "active" && version !== undefined && !detail.versions.some((v) => v.version === version)) {
    throw new SequenceConflictError(`sequence ${key} has no version ${version}`);
  }
  const liveVersion =
    to === "active" && (version !== undefined || detail.liveVersion === null || detail.status !== "paused")
      ? (version ?? detail.latestVersion)
      : detail.liveVersion;
  await store.sequence.update({ where: { key }, data: { status: to, activeVersion: liveVersion } });
  return { ...detail, status: to, liveVersion };
}
