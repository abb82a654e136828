// The built-in templates shipped in templates/<key>/ (email.mjml + meta.json). They are version 0: the
// versions marketers publish through the API start at 1 and are stored in the database.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { TemplateCategory, TemplateData } from "../../domain/email/template-data.ts";
import { TEMPLATE_CATEGORIES, TEMPLATE_KEY_PATTERN } from "../../domain/email/template-data.ts";
import type { TemplateSource } from "./template-compiler.ts";
import { TEMPLATES_DIR } from "./templates-dir.ts";

const FILE_TEMPLATE_VERSION = 0;

/** A TemplateSource itself, so it compiles as it is. */
export interface FileTemplate extends TemplateSource {
  description: string;
  category: TemplateCategory;
  /** Data a preview renders with; it also documents the fields the template uses. */
  sampleData: TemplateData;
}

// Sample data must satisfy the personalisation every send supplies, or a preview would show gaps that a
// real send does not have.
const sampleDataSchema = z.looseObject({
  contact: z.looseObject({ email: z.string() }),
  sender: z.object({ name: z.string(), postalAddress: z.string() }),
  unsubscribeUrl: z.string(),
});

const metaSchema = z.object({
  subject: z.string().min(1),
  description: z.string(),
  category: z.enum(TEMPLATE_CATEGORIES),
  sampleData: sampleDataSchema,
});

async function readFileTemplate(key: string): Promise<FileTemplate | undefined> {
  const folder = path.join(TEMPLATES_DIR, key);
  const filePath = path.join(folder, "email.mjml");
  let mjml: string;
  let metaJson: string;
  try {
    [mjml, metaJson] = await Promise.all([
      readFile(filePath, "utf8"),
      readFile(path.join(folder, "meta.json"), "utf8"),
    ]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const meta = metaSchema.parse(JSON.parse(metaJson));
  return {
    key,
    version: FILE_TEMPLATE_VERSION,
    subject: meta.subject,
    mjml,
    filePath,
    description: meta.description,
    category: meta.category,
    sampleData: meta.sampleData as TemplateData,
  };
}

// Sends resolve their template on every message; the files are read once per process, as their compiled
// form is cached once per process (getCompiledTemplate): restart to pick up an edited file.
const loaded = new Map<string, Promise<FileTemplate | undefined>>();

export function loadFileTemplate(key: string): Promise<FileTemplate | undefined> {
  if (!TEMPLATE_KEY_PATTERN.test(key)) return Promise.resolve(undefined);
  let template = loaded.get(key);
  if (!template) {
    template = readFileTemplate(key);
    loaded.set(key, template);
    // A failed read (a malformed meta.json) is not kept: the fixed file is read on the next call.
    template.catch(() => loaded.delete(key));
  }
  return template;
}

export async function listFileTemplates(): Promise<FileTemplate[]> {
  const entries = await readdir(TEMPLATES_DIR, { withFileTypes: true });
  const keys = entries
    .filter((entry) => entry.isDirectory() && TEMPLATE_KEY_PATTERN.test(entry.name))
    .map((entry) => entry.name)
    .sort();
  const templates = await Promise.all(keys.map(loadFileTemplate));
  return templates.filter((template) => template !== undefined);
}
