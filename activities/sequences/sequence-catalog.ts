// Published sequences in the contact store: versions are immutable, activation picks the one that runs.

import type { SequenceDefinition, SequenceVersionRef } from "../../domain/sequences/definition.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { ContactStore } from "../../prisma/client.ts";

export async function loadActiveSequences(store: ContactStore): Promise<SequenceVersionRef[]> {
  const sequences = await store.sequence.findMany({
    where: { status: "active", activeVersion: { not: null } },
    include: { versions: true },
  });
  return sequences.flatMap((sequence) => {
    const active = sequence.versions.find((version) => version.version === sequence.activeVersion);
    return active
      ? [
          {
            key: sequence.key,
            version: active.version,
            definition: active.definition as unknown as SequenceDefinition,
          },
        ]
      : [];
  });
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
