// The data a preview renders with: what every send supplies (a sample contact, the configured sender, an
// unsubscribe link), then the template's sampleData, then the data the caller gave, each overriding the last.
import type { TemplateData } from "../../domain/email/template-data.ts";
import { templateSender } from "../../domain/email/template-data.ts";

export interface PreviewDefaults {
  publicUrl: string;
  mailFrom: string;
  senderPostalAddress: string;
}

export function previewData(
  defaults: PreviewDefaults,
  sampleData: Record<string, unknown>,
  given: Record<string, unknown> = {},
): TemplateData {
  const { domain: _domain, ...sender } = templateSender(defaults.mailFrom, defaults.senderPostalAddress);
  return {
    contact: { email: "jane.doe@example.com", name: "Jane Doe", firstName: "Jane", properties: {} },
    sender,
    unsubscribeUrl: `${defaults.publicUrl}/unsubscribe?token=preview`,
    ...sampleData,
    ...given,
  } as TemplateData;
}
