// Touchpoints Nurtureflow understands out of the box (DESIGN.md §1, "Events / touchpoints").
export const TOUCHPOINT_TYPES = [
  "page_view",
  "email_opened",
  "email_clicked",
  "form_submitted",
  "content_downloaded",
  "cart_updated",
  "cart_abandoned",
  "order_placed",
  "support_request",
  "social_interaction",
  "review_posted",
  "referral_made",
] as const;

export type TouchpointType = (typeof TOUCHPOINT_TYPES)[number];

// Integrations name their own events under a reserved prefix, so they can never shadow a touchpoint.
export const CUSTOM_EVENT_TYPE_PATTERN = /^custom\.[a-z0-9_.-]{1,64}$/;

export type CustomEventType = `custom.${string}`;
export type EventType = TouchpointType | CustomEventType;

export function isEventType(s: string): s is EventType {
  return (TOUCHPOINT_TYPES as readonly string[]).includes(s) || CUSTOM_EVENT_TYPE_PATTERN.test(s);
}

/** Something a contact did. `type` stays a string: stored events are read back without re-validation. */
export interface ContactEvent {
  type: string;
  occurredAt: Date;
  properties: Record<string, unknown>;
}
