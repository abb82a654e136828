// What a template can refer to. Every send and every preview supplies the common part; each template
// adds its own fields (cart items, order id, ...) next to it, documented by its sampleData.

/**
 * Template keys name folders of built-in templates and appear in URLs: lower-case words and dashes, so a
 * key can never be a path such as "../x", nor collide with the _layouts and _partials folders.
 */
export const TEMPLATE_KEY_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// Footers print "name · address". Operators often write the company into the address as well
// ("Acme · 1 Main St"), which would show the name twice; the address keeps only what follows it.
function addressWithoutName(postalAddress: string, name: string): string {
  const leadingName = new RegExp(`^\\s*${escapeRegExp(name)}\\s*(?:[·,;|–—-]|\\n)\\s*`, "iu");
  const rest = postalAddress.replace(leadingName, "").trim();
  return rest || postalAddress.trim();
}

/** Who the email is from, as templates show it, derived from MAIL_FROM ("Name <address@domain>"). */
export function templateSender(mailFrom: string, postalAddress: string): TemplateSender & { domain: string } {
  const domain = mailFrom.match(/@([^>\s]+)/)?.[1] ?? "nurtureflow.localhost";
  const name = mailFrom.replace(/<[^>]*>/, "").trim() || domain;
  return { name, postalAddress: addressWithoutName(postalAddress, name), domain };
}
