// Where a send finds its template: the active version stored through the API, or else the built-in
// file template of that key (templates/<key>/). Either way compiled once and cached per version.
import { ApplicationFailure } from "@temporalio/common";
import type { TemplateCategory } from "../../domain/email/template-data.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { loadFileTemplate } from "./file-templates.ts";
import { type CompiledTemplate, getCompiledTemplate } from "./template-compiler.ts";

export interface ResolvedTemplate {
  key: string;
  version: number;
  category: TemplateCategory;
  compiled: CompiledTemplate;
}

export interface TemplateCatalog {
  resolve(key: string): Promise<ResolvedTemplate>;
}

/**
 * How long a key's resolved active version is reused: a version published through the API (or a
 * first stored version of a built-in key) applies to sends starting at most this long afterwards.
 * Without it every send would read the template tables, a round trip per message.
 */
export const ACTIVE_VERSION_TTL_MS = 5_000;

interface ActiveVersionRow {
  version: number;
  subject: string;
  mjml: string;
  category: string;
}

export function createTemplateCatalog(store: ContactStore): TemplateCatalog {
  const recent = new Map<string, { expiresAt: number; template: Promise<ResolvedTemplate> }>();

  async function load(key: string): Promise<ResolvedTemplate> {
    // The active version in one query (the template row joined with that version).
    const [stored] = await store.$queryRaw<ActiveVersionRow[]>`
      SELECT v.version, v.subject, v.mjml, v.category
      FROM "Template" t
      JOIN "TemplateVersion" v ON v."templateKey" = t.key AND v.version = t."activeVersion"
      WHERE t.key = ${key}`;
    if (stored) {
      return {
        key,
        version: stored.version,
        category: stored.category as TemplateCategory,
        compiled: await getCompiledTemplate({
          key,
          version: stored.version,
          subject: stored.subject,
          mjml: stored.mjml,
        }),
      };
    }
    const file = await loadFileTemplate(key);
    // Retrying cannot make a missing template appear: fail the step for the workflow to handle.
    if (!file) throw ApplicationFailure.nonRetryable(`unknown template "${key}"`, "UnknownTemplate");
    return {
      key,
      version: file.version,
      category: file.category,
      compiled: await getCompiledTemplate(file),
    };
  }

  return {
    resolve(key) {
      const now = Date.now();
      const cached = recent.get(key);
      if (cached && cached.expiresAt > now) return cached.template;
      // Concurrent sends of one key share a single lookup; a failure is not kept.
      const template = load(key);
      recent.set(key, { expiresAt: now + ACTIVE_VERSION_TTL_MS, template });
      template.catch(() => {
        if (recent.get(key)?.template === template) recent.delete(key);
      });
      return template;
    },
  };
}
