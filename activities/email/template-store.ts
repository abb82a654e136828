// Templates published through the API: immutable versions, the newest active. A stored template may
// take the key of a built-in one (templates/<key>/): its versions then replace the built-in version 0 at
// send time (template-catalog.ts), which is how a marketer edits a built-in email.
import type { TemplateCategory } from "../../domain/email/template-data.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { type FileTemplate, listFileTemplates, loadFileTemplate } from "./file-templates.ts";
import type { TemplateSource } from "./template-compiler.ts";

export interface TemplateVersionContent {
  subject: string;
  mjml: string;
  category: TemplateCategory;
  sampleData: Record<string, unknown>;
}

export interface StoredTemplateVersion extends TemplateVersionContent {
  version: number;
  createdAt: Date | null;
}

export interface TemplateSummary {
  key: string;
  /** "stored" once any version was published through the API, even for a built-in key. */
  source: "stored" | "built-in";
  builtIn: boolean;
  activeVersion: number;
  subject: string;
  category: TemplateCategory;
  description: string | null;
}

export interface TemplateDetail extends TemplateSummary {
  versions: StoredTemplateVersion[];
}

/** A version ready to compile, with what a preview needs besides. */
export interface TemplateVersionSource extends TemplateSource {
  category: TemplateCategory;
  sampleData: Record<string, unknown>;
}

export class TemplateExistsError extends Error {}
export class TemplateNotFoundError extends Error {}

type VersionRow = Awaited<ReturnType<ContactStore["templateVersion"]["findUniqueOrThrow"]>>;

function fromRow(row: VersionRow): StoredTemplateVersion {
  return {
    version: row.version,
    subject: row.subject,
    mjml: row.mjml,
    category: row.category as TemplateCategory,
    sampleData: row.sampleData as Record<string, unknown>,
    createdAt: row.createdAt,
  };
}

function fromFile(file: FileTemplate): StoredTemplateVersion {
  return {
    version: file.version,
    subject: file.subject,
    mjml: file.mjml,
    category: file.category,
    sampleData: file.sampleData,
    createdAt: null,
  };
}

async function insertVersion(
  tx: Prisma.TransactionClient,
  key: string,
  version: number,
  content: TemplateVersionContent,
): Promise<StoredTemplateVersion> {
  const row = await tx.templateVersion.create({
    data: { templateKey: key, version, ...content, sampleData: content.sampleData as Prisma.InputJsonValue },
  });
  await tx.template.update({ where: { key }, data: { activeVersion: version } });
  return fromRow(row);
}

/** Version 1 of a new key; a key already stored or built in is taken (publish a version of it instead). */
export async function createTemplate(
  store: ContactStore,
  key: string,
  content: TemplateVersionContent,
): Promise<StoredTemplateVersion> {
  if (await loadFileTemplate(key)) throw new TemplateExistsError(`template ${key} is built in`);
  return store.$transaction(async (tx) => {
    // createMany skips an existing key instead of failing the transaction, so a race is a clean 409.
    const created = await tx.template.createMany({ data: { key }, skipDuplicates: true });
    if (created.count === 0) throw new TemplateExistsError(`template ${key} exists`);
    return insertVersion(tx, key, 1, content);
  });
}

/** The next version of a stored or built-in template, made active; versions start at 1. */
export async function publishTemplateVersion(
  store: ContactStore,
  key: string,
  content: TemplateVersionContent,
): Promise<StoredTemplateVersion> {
  const builtIn = await loadFileTemplate(key);
  return store.$transaction(async (tx) => {
    if (builtIn) await tx.template.createMany({ data: { key }, skipDuplicates: true });
    // Serialises concurrent publishes of one key so version numbers stay dense and unique.
    const locked = await tx.$queryRaw<unknown[]>`SELECT 1 FROM "Template" WHERE key = ${key} FOR UPDATE`;
    if (locked.length === 0) throw new TemplateNotFoundError(`no template ${key}`);
    const latest = await tx.templateVersion.aggregate({
      where: { templateKey: key },
      _max: { version: true },
    });
    return insertVersion(tx, key, (latest._max.version ?? 0) + 1, content);
  });
}

function summary(
  key: string,
  active: StoredTemplateVersion,
  stored: boolean,
  file: FileTemplate | undefined,
): TemplateSummary {
  return {
    key,
    source: stored ? "stored" : "built-in",
    builtIn: file !== undefined,
    activeVersion: active.version,
    subject: active.subject,
    category: active.category,
    description: file?.description ?? null,
  };
}

export async function listTemplates(store: ContactStore): Promise<TemplateSummary[]> {
  const [stored, files] = await Promise.all([
    store.template.findMany({ where: { activeVersion: { not: null } }, include: { versions: true } }),
    listFileTemplates(),
  ]);
  const byKey = new Map<string, TemplateSummary>();
  for (const file of files) byKey.set(file.key, summary(file.key, fromFile(file), false, file));
  for (const template of stored) {
    const active = template.versions.find((version) => version.version === template.activeVersion);
    if (!active) continue;
    const file = files.find((candidate) => candidate.key === template.key);
    byKey.set(template.key, summary(template.key, fromRow(active), true, file));
  }
  return [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key));
}

export async function getTemplate(store: ContactStore, key: string): Promise<TemplateDetail | null> {
  const [template, file] = await Promise.all([
    store.template.findUnique({ where: { key }, include: { versions: { orderBy: { version: "asc" } } } }),
    loadFileTemplate(key),
  ]);
  const versions = [...(file ? [fromFile(file)] : []), ...(template?.versions ?? []).map(fromRow)];
  const active = versions.find((version) => version.version === (template?.activeVersion ?? 0));
  if (!active) return null;
  return { ...summary(key, active, Boolean(template?.activeVersion), file), versions };
}

/** The given version, or the active one; null when the template or that version does not exist. */
export async function findTemplateVersion(
  store: ContactStore,
  key: string,
  version?: number,
): Promise<TemplateVersionSource | null> {
  const detail = await getTemplate(store, key);
  const chosen = detail?.versions.find(
    (candidate) => candidate.version === (version ?? detail.activeVersion),
  );
  if (!chosen) return null;
  const file = chosen.version === 0 ? await loadFileTemplate(key) : undefined;
  return {
    key,
    version: chosen.version,
    subject: chosen.subject,
    mjml: chosen.mjml,
    // A built-in template's includes are relative to its own file.
    ...(file?.filePath ? { filePath: file.filePath } : {}),
    category: chosen.category,
    sampleData: chosen.sampleData,
  };
}
