// Carts and orders described by events: cart_updated and cart_abandoned keep a cart's state,
// order_placed records the order (once per order id) and marks its cart purchased.

import type { Prisma } from "../../generated/prisma/client.ts";

export interface CommerceEvent {
  contactId: string;
  type: string;
  occurredAt: Date;
  properties: Record<string, unknown>;
}

export interface PlacedOrder {
  contactId: string;
  total: number;
  placedAt: Date;
}

interface CartState {
  contactId: string;
  status: "open" | "abandoned" | "purchased";
  value?: number;
  items?: unknown;
  abandonedAt?: Date;
}

const CART_STATUS_BY_EVENT: Record<string, CartState["status"]> = {
  cart_updated: "open",
  cart_abandoned: "abandoned",
  order_placed: "purchased",
};

/** The state each cart is left in by the batch, its events applied in time order. */
function foldCarts(events: readonly CommerceEvent[]): Map<string, CartState> {
  const carts = new Map<string, CartState>();
  const ordered = [...events].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  for (const event of ordered) {
    const status = CART_STATUS_BY_EVENT[event.type];
    const cartId = event.properties.cartId;
    if (!status || typeof cartId !== "string") continue;
    const cart = carts.get(cartId) ?? { contactId: event.contactId, status };
    cart.status = status;
    if (status === "abandoned") cart.abandonedAt = event.occurredAt;
    if (event.type !== "order_placed" && typeof event.properties.value === "number") {
      cart.value = event.properties.value;
    }
    if (event.type === "cart_updated" && event.properties.items !== undefined)
      cart.items = event.properties.items;
    carts.set(cartId, cart);
  }
  return carts;
}

async function saveCarts(tx: Prisma.TransactionClient, carts: Map<string, CartState>): Promise<void> {
  for (const [id, cart] of carts) {
    const fields = {
      status: cart.status,
      ...(cart.value !== undefined ? { value: cart.value } : {}),
      ...(cart.items !== undefined ? { items: cart.items as Prisma.InputJsonValue } : {}),
      ...(cart.abandonedAt ? { abandonedAt: cart.abandonedAt } : {}),
    };
    await tx.cart.upsert({
      where: { id },
      create: { id, contactId: cart.contactId, ...fields },
      update: fields,
    });
  }
}

/** Writes the batch's carts and orders; returns the orders that are new (a replayed order id is not). */
export async function applyCommerceEvents(
  tx: Prisma.TransactionClient,
  events: readonly CommerceEvent[],
): Promise<PlacedOrder[]> {
  const commerce = events.filter((event) => event.type in CART_STATUS_BY_EVENT);
  if (commerce.length === 0) return [];
  await saveCarts(tx, foldCarts(commerce));
  const orders = commerce.flatMap((event) =>
    event.type === "order_placed"
      ? [
          {
            id: String(event.properties.orderId),
            contactId: event.contactId,
            cartId: typeof event.properties.cartId === "string" ? event.properties.cartId : null,
            total: Number(event.properties.total),
            placedAt: event.occurredAt,
          },
        ]
      : [],
  );
  if (orders.length === 0) return [];
  const inserted = await tx.order.createManyAndReturn({
    data: orders,
    skipDuplicates: true,
    select: { contactId: true, total: true, placedAt: true },
  });
  return inserted.map((order) => ({ ...order, total: order.total.toNumber() }));
}
