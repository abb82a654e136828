// /v1/templates: MJML templates published through the API (validated on save, versioned like sequences)
// next to the built-in ones, and previews that render any version with sample or given data.
import { Router } from "express";
import { checkTemplateDraft } from "../../activities/email/template-check.ts";
import { getCompiledTemplate } from "../../activities/email/template-compiler.ts";
import { type PreviewDefaults, previewData } from "../../activities/email/template-preview.ts";
import {
  createTemplate,
  findTemplateVersion,
  getTemplate,
  listTemplates,
  publishTemplateVersion,
  type StoredTemplateVersion,
  TemplateExistsError,
  TemplateNotFoundError,
} from "../../activities/email/template-store.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { notFound, ProblemError } from "../problem.ts";
import {
  TemplateCreateBody,
  TemplateKeyParams,
  TemplatePreviewBody,
  TemplateVersionBody,
  type TemplateVersionView,
} from "../schemas/template-schemas.ts";
import { parseOrThrow } from "../validation.ts";

function versionView(key: string, version: StoredTemplateVersion): TemplateVersionView {
  return { key, ...version, createdAt: version.createdAt?.toISOString() ?? null };
}

/** Keys that cannot name a template name none: 404, like any other unknown key. */
function templateKeyOf(params: unknown): string {
  const parsed = TemplateKeyParams.safeParse(params);
  if (!parsed.success) throw notFound("template");
  return parsed.data.key;
}

export function templateRoutes(store: ContactStore, defaults: PreviewDefaults): Router {
  const router = Router();

  // Nothing is written unless the version compiles and, for marketing, shows the unsubscribe link.
  async function rejectInvalid(key: string, body: TemplateVersionBody): Promise<void> {
    const errors = await checkTemplateDraft({ key, ...body }, defaults);
    if (errors.length === 0) return;
    throw new ProblemError(
      400,
      "Bad Request",
      "the template does not compile",
      errors.map((error) => ({
        field: "mjml",
        line: error.line,
        message: `line ${error.line}: ${error.message}`,
      })),
    );
  }

  router.post("/templates", async (req, res) => {
    const { key, ...content } = parseOrThrow(TemplateCreateBody, req.body, "template");
    await rejectInvalid(key, content);
    try {
      res.status(201).json(versionView(key, await createTemplate(store, key, content)));
    } catch (error) {
      if (!(error instanceof TemplateExistsError)) throw error;
      throw new ProblemError(409, "Conflict", `template ${key} exists: POST /v1/templates/${key}/versions`);
    }
  });

  router.get("/templates", async (_req, res) => {
    res.json({ templates: await listTemplates(store) });
  });

  router.get("/templates/:key", async (req, res) => {
    const key = templateKeyOf(req.params);
    const detail = await getTemplate(store, key);
    if (!detail) throw notFound("template");
    res.json({ ...detail, versions: detail.versions.map((version) => versionView(key, version)) });
  });

  router.post("/templates/:key/versions", async (req, res) => {
    const key = templateKeyOf(req.params);
    const content = parseOrThrow(TemplateVersionBody, req.body, "template version");
    if (!(await getTemplate(store, key))) throw notFound("template");
    await rejectInvalid(key, content);
    try {
      res.status(201).json(versionView(key, await publishTemplateVersion(store, key, content)));
    } catch (error) {
      if (error instanceof TemplateNotFoundError) throw notFound("template");
      throw error;
    }
  });

  router.post("/templates/:key/preview", async (req, res) => {
    const key = templateKeyOf(req.params);
    const body = parseOrThrow(TemplatePreviewBody, req.body ?? {}, "preview");
    const source = await findTemplateVersion(store, key, body.version);
    if (!source)
      throw notFound(body.version === undefined ? "template" : `template ${key} version ${body.version}`);
    const compiled = await getCompiledTemplate(source);
    const rendered = compiled.render(previewData(defaults, source.sampleData, body.data));
    res.json({ key, version: source.version, ...rendered });
  });

  return router;
}
