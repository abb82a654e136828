// What a template can refer to. Every send and every preview supplies the common part; each template
// adds its own fields (cart items, order id, ...) next to it, documented by its sampleData.

export const TEMPLATE_CATEGORIES = ["marketing", "transactional"] as const;
/**
 * Marketing email needs consent and carries List-Unsubscribe; transactional email (an order
 * confirmation) goes to every customer and carries no unsubscribe headers.
 */
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];

export interface TemplateContact {
  email: string;
  /** Templates fall back to a neutral greeting when the contact gave no name. */
  name?: string | null;
  firstName?: string | null;
  properties?: Record<string, unknown>;
}

export interface TemplateSender {
  name: string;
  /** Anti-spam law (CAN-SPAM, CASL) requires a physical postal address in commercial email. */
  postalAddress: string;
}

export interface TemplateTrackers {
  /** A 1×1 image whose loading records an open; omitted when open tracking is off. */
  openPixelUrl?: string;
}

export interface TemplateData {
  contact: TemplateContact;
  sender: TemplateSender;
  unsubscribeUrl: string;
  trackers?: TemplateTrackers;
  [field: string]: unknown;
}
