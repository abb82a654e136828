// Which Nurtureflow event type a tracked event name becomes. Segment's e-commerce and lifecycle spec
// names are mapped by default; marketers change the table through PUT /v1/tracking/mapping.
import { CUSTOM_EVENT_TYPE_PATTERN, isEventType } from "../events/event-types.ts";

export interface TrackingEventMapping {
  /** Tracked event name → Nurtureflow type. Names match whatever their case and separators. */
  events: Readonly<Record<string, string>>;
  /** The category of Segment's consent preferences (context.consent) that means marketing email. */
  consentCategory: string;
}

export const DEFAULT_TRACKING_EVENT_MAPPING: TrackingEventMapping = {
  events: {
    "Order Completed": "order_placed",
    "Product Added": "cart_updated",
    "Product Removed": "cart_updated",
    "Cart Viewed": "cart_updated",
    "Cart Abandoned": "cart_abandoned",
    "Signed Up": "form_submitted",
    "Form Submitted": "form_submitted",
    "Review Submitted": "review_posted",
    "Referral Sent": "referral_made",
  },
  consentCategory: "marketing",
};

const CUSTOM_NAME_MAX = 64;

/** "Order Completed", "orderCompleted" and "order-completed" all read as order_completed. */
export function snakeCaseName(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

/**
 * The type an event name records: one of Nurtureflow's own type names is itself, then the mapping
 * table, then custom.<snake_case name> (cut to 64 characters); null when the name has no letter or
 * digit to make a type from.
 */
export function eventTypeForName(name: string, mapping: TrackingEventMapping): string | null {
  const trimmed = name.trim();
  if (isEventType(trimmed)) return trimmed;
  const key = snakeCaseName(trimmed);
  if (key === "") return null;
  for (const [tracked, type] of Object.entries(mapping.events)) {
    if (snakeCaseName(tracked) === key) return type;
  }
  const custom = `custom.${key.slice(0, CUSTOM_NAME_MAX).replace(/_+$/, "")}`;
  return CUSTOM_EVENT_TYPE_PATTERN.test(custom) ? custom : null;
}
