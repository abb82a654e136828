// /v1/templates: MJML templates published through the API (validated on save, versioned like sequences)
// next to the built-in ones, and previews that render any version with sample or given data.

import { z } from "zod";
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
import { defineRoute, type RouteDefinition } from "../route-definition.ts";
import {
  TemplateCreateBody,
  TemplateDetailView,
  TemplateKeyParams,
  TemplatePreviewBody,
  TemplatePreviewView,
  TemplateSummaryView,
  TemplateVersionBody,
  TemplateVersionView,
} from "../schemas/template-schemas.ts";

function versionView(key: string, version: StoredTemplateVersion): TemplateVersionView {
  return { key, ...version, createdAt: version.createdAt?.toISOString() ?? null };
}

export function templateRoutes(store: ContactStore, defaults: PreviewDefaults): RouteDefinition[] {
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
  const tags = ["templates"];
  // Keys that cannot name a template name none: 404, like any other unknown key.
  const byKey = { params: TemplateKeyParams, notFoundWhat: "template" } as const;

  return [
    defineRoute({
      method: "post",
      path: "/v1/templates",
      access: "admin",
      tags,
      summary: "Create a template (version 1); MJML is validated, errors name the line",
      body: TemplateCreateBody,
      bodyName: "template",
      responses: {
        201: { description: "Created", schema: TemplateVersionView },
        409: { description: "The key exists or is built in" },
      },
      handle: async ({ body, res }) => {
        const { key, ...content } = body;
        await rejectInvalid(key, content);
        try {
          res.status(201).json(versionView(key, await createTemplate(store, key, content)));
        } catch (error) {
          if (!(error instanceof TemplateExistsError)) throw error;
          throw new ProblemError(
            409,
            "Conflict",
            `template ${key} exists: POST /v1/templates/${key}/versions`,
          );
        }
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/templates",
      access: "read",
      tags,
      summary: "List stored and built-in templates",
      responses: {
        200: { description: "Templates", schema: z.object({ templates: z.array(TemplateSummaryView) }) },
      },
      handle: async ({ res }) => {
        res.json({ templates: await listTemplates(store) });
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/templates/:key",
      access: "read",
      tags,
      summary: "A template with all its versions (built-in version 0 included)",
      ...byKey,
      responses: { 200: { description: "The template", schema: TemplateDetailView } },
      handle: async ({ params, res }) => {
        const detail = await getTemplate(store, params.key);
        if (!detail) throw notFound("template");
        res.json({ ...detail, versions: detail.versions.map((version) => versionView(params.key, version)) });
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/templates/:key/versions",
      access: "admin",
      tags,
      summary: "Publish the next version of a stored or built-in template and make it active",
      ...byKey,
      body: TemplateVersionBody,
      bodyName: "template version",
      responses: { 201: { description: "Published", schema: TemplateVersionView } },
      handle: async ({ params, body, res }) => {
        if (!(await getTemplate(store, params.key))) throw notFound("template");
        await rejectInvalid(params.key, body);
        try {
          res
            .status(201)
            .json(versionView(params.key, await publishTemplateVersion(store, params.key, body)));
        } catch (error) {
          if (error instanceof TemplateNotFoundError) throw notFound("template");
          throw error;
        }
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/templates/:key/preview",
      access: "admin",
      tags,
      summary: "Render the active (or a given) version with its sample data or the given data",
      ...byKey,
      body: TemplatePreviewBody,
      bodyName: "preview",
      bodyOptional: true,
      responses: { 200: { description: "Subject, HTML and text", schema: TemplatePreviewView } },
      handle: async ({ params, body, res }) => {
        const { key } = params;
        const source = await findTemplateVersion(store, key, body.version);
        if (!source)
          throw notFound(body.version === undefined ? "template" : `template ${key} version ${body.version}`);
        const compiled = await getCompiledTemplate(source);
        const rendered = compiled.render(previewData(defaults, source.sampleData, body.data));
        res.json({ key, version: source.version, ...rendered });
      },
    }),
  ];
}
