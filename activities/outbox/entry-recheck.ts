// Before a change starts a program, the contact store is asked whether the change still holds: the
// change may have been overtaken by a later write that arrived first (an order for the cart whose
// abandonment is reported late). A change that no longer holds starts nothing; running programs still
// receive it, in order, to steer themselves. Whether the contact still exists the dispatcher reads
// with its batch (delivery-store.ts).
import type { ContactChange } from "../../domain/sequences/contact-change.ts";
import type { ContactStore } from "../../prisma/client.ts";

export async function entryStillHolds(
  store: ContactStore,
  contactId: string,
  change: ContactChange,
): Promise<boolean> {
  const cartId = change.kind === "event" ? change.properties.cartId : undefined;
  if (change.kind === "event" && change.eventType !== "order_placed" && typeof cartId === "string") {
    // A bought cart is never "abandoned" or "updated" again, whichever report arrived last.
    const order = await store.order.findFirst({ where: { contactId, cartId }, select: { id: true } });
    return order === null;
  }
  return true;
}
