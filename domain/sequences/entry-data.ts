// What a run's entry contributes to its emails: the cart of a cart-recovery run, the order (and its
// main product) of a post-purchase run. Templates read them as {{cart.…}}, {{order.…}}, {{product.…}};
// the event's own properties carry them (cartId, orderId, items, total, url, product).
import type { ContactChange } from "./contact-change.ts";

export function entryTemplateData(trigger: ContactChange): Record<string, unknown> {
  if (trigger.kind !== "event") return {};
  const properties = trigger.properties;
  switch (trigger.eventType) {
    case "cart_updated":
    case "cart_abandoned":
      return { cart: { id: properties.cartId, ...properties } };
    case "order_placed":
      return { order: { id: properties.orderId, ...properties }, product: properties.product };
    default:
      return { event: properties };
  }
}
