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

export function createTemplateCatalog(store: ContactStore): TemplateCatalog {
  return {
    async resolve(key) {
      const stored = await store.template.findUnique({ where: { key } });
      if (stored?.activeVersion) {
        const version = await store.templateVersion.findUniqueOrThrow({
          where: { templateKey_version: { templateKey: key, version: stored.activeVersion } },
        });
        return {
          key,
          version: version.version,
          category: version.category as TemplateCategory,
          compiled: await getCompiledTemplate({
            key,
            version: version.version,
            subject: version.subject,
            mjml: version.mjml,
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
    },
  };
}
