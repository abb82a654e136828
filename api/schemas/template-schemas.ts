// Request and response shapes of the template routes; the OpenAPI document is generated from them.
import { z } from "zod";
import { TEMPLATE_CATEGORIES, TEMPLATE_KEY_PATTERN } from "../../domain/email/template-data.ts";

export const TemplateKeyParams = z.object({
  key: z.string().regex(TEMPLATE_KEY_PATTERN, "lower-case letters, digits and dashes, at most 64"),
});

const templateData = z.record(z.string().max(100), z.unknown());

export const TemplateVersionBody = z
  .object({
    subject: z.string().trim().min(1).max(300),
    mjml: z.string().min(1).max(500_000),
    category: z.enum(TEMPLATE_CATEGORIES).default("marketing"),
    /** Shown by previews and documents the fields the template uses. */
    sampleData: templateData.default({}),
  })
  .strict();

export const TemplateCreateBody = TemplateVersionBody.extend({ key: TemplateKeyParams.shape.key }).strict();

export const TemplatePreviewBody = z
  .object({
    /** A stored version number, or 0 for the built-in one; the active version when absent. */
    version: z.number().int().min(0).optional(),
    /** Overrides the template's sampleData field by field (contact, order, ...). */
    data: templateData.optional(),
  })
  .strict();

export const TemplateVersionView = z.object({
  key: z.string(),
  version: z.number().int(),
  subject: z.string(),
  category: z.enum(TEMPLATE_CATEGORIES),
  sampleData: templateData,
  mjml: z.string(),
  createdAt: z.string().nullable(),
});

export const TemplateSummaryView = z.object({
  key: z.string(),
  source: z.enum(["stored", "built-in"]),
  builtIn: z.boolean(),
  activeVersion: z.number().int(),
  subject: z.string(),
  category: z.enum(TEMPLATE_CATEGORIES),
  description: z.string().nullable(),
});

export const TemplateDetailView = TemplateSummaryView.extend({ versions: z.array(TemplateVersionView) });

export const TemplatePreviewView = z.object({
  key: z.string(),
  version: z.number().int(),
  subject: z.string(),
  html: z.string(),
  text: z.string(),
});

export type TemplateVersionView = z.infer<typeof TemplateVersionView>;
export type TemplateVersionBody = z.infer<typeof TemplateVersionBody>;
