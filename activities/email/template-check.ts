// What a template version must pass before it is saved: it compiles (MJML, tags, subject), and a
// marketing template shows the unsubscribe link that consent law and mailbox providers require.
import type { TemplateCategory } from "../../domain/email/template-data.ts";
import { compileTemplate, TemplateCompileError, type TemplateError } from "./template-compiler.ts";
import { type PreviewDefaults, previewData } from "./template-preview.ts";

export interface TemplateDraft {
  key: string;
  subject: string;
  mjml: string;
  category: TemplateCategory;
  sampleData: Record<string, unknown>;
}

// A recognisable link no template writes itself: finding it in the output proves {{unsubscribeUrl}} is shown.
const UNSUBSCRIBE_PROBE = "https://nurtureflow.invalid/unsubscribe-probe";

function lineOf(text: string, needle: string): number {
  const index = text.indexOf(needle);
  return index < 0 ? 1 : text.slice(0, index).split("\n").length;
}

/** Every reason the draft cannot be saved, each naming its line; empty when it can. */
export async function checkTemplateDraft(
  draft: TemplateDraft,
  defaults: PreviewDefaults,
): Promise<TemplateError[]> {
  let compiled: Awaited<ReturnType<typeof compileTemplate>>;
  try {
    // Version 0 stands in for the number the store assigns: it only appears in error messages.
    compiled = await compileTemplate({
      key: draft.key,
      version: 0,
      subject: draft.subject,
      mjml: draft.mjml,
    });
  } catch (error) {
    if (error instanceof TemplateCompileError) return error.errors;
    throw error;
  }
  if (draft.category !== "marketing") return [];
  const { html } = compiled.render({
    ...previewData(defaults, draft.sampleData),
    unsubscribeUrl: UNSUBSCRIBE_PROBE,
  });
  return html.includes(UNSUBSCRIBE_PROBE)
    ? []
    : [
        {
          line: lineOf(draft.mjml, "</mj-body>"),
          message:
            'a marketing template must show the unsubscribe link: include <mj-include path="../_partials/footer.mjml" /> or link {{unsubscribeUrl}}',
        },
      ];
}
