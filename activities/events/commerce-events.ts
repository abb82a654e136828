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

/**
 * Every cart in two statements: the missing ones are created with the defaults, then each is updated
 * with what the batch says (a field the batch does not mention keeps its value). The update locks
 * the row, so a concurrent batch's write to the same cart is not lost.
 */
async function saveCarts(
  tx: Prisma.TransactionClient,
  carts: Map<string, CartState>,
  now: Date,
): Promise<void> {
  // Absent fields are left out of the JSON and read as NULL, which keeps the stored value.
  const rows = JSON.stringify([...carts].map(([id, cart]) => ({ id, ...cart })));
  await tx.$executeRaw`
    INSERT INTO "Cart" (id, "contactId", "updatedAt")
    SELECT id, "contactId", ${now}::timestamp FROM json_to_recordset(${rows}::json) AS u(id text, "contactId" uuid)
    ON CONFLICT (id) DO NOTHING`;
  await tx.$executeRaw`
    UPDATE "Cart" c SET status = u.status, value = COALESCE(u.value, c.value),
      items = COALESCE(u.items, c.items), "abandonedAt" = COALESCE(u."abandonedAt", c."abandonedAt"),
      "updatedAt" = ${now}::timestamp
    FROM json_to_recordset(${rows}::json)
      AS u(id text, status text, value numeric, items jsonb, "abandonedAt" timestamp)
    WHERE c.id = u.id`;
}

/** Writes the batch's carts and orders; returns the orders that are new (a replayed order id is not). */
export async function applyCommerceEvents(
  tx: Prisma.TransactionClient,
  events: readonly CommerceEvent[],
  now: Date,
): Promise<PlacedOrder[]> {
  const commerce = events.filter((event) => event.type in CART_STATUS_BY_EVENT);
  if (commerce.length === 0) return [];
  await saveCarts(tx, foldCarts(commerce), now);
  const orders = commerce.filter((event) => event.type === "order_placed");
  if (orders.length === 0) return [];
  const rows = orders.map((event) => ({
    id: String(event.properties.orderId),
    contactId: event.contactId,
    cartId: typeof event.properties.cartId === "string" ? event.properties.cartId : null,
    total: Number(event.properties.total),
    placedAt: event.occurredAt,
  }));
  return tx.$queryRaw<PlacedOrder[]>`
    INSERT INTO "Order" (id, "contactId", "cartId", total, "placedAt")
    SELECT * FROM json_to_recordset(${JSON.stringify(rows)}::json)
      AS u(id text, "contactId" uuid, "cartId" text, total numeric, "placedAt" timestamp)
    ON CONFLICT (id) DO NOTHING
    RETURNING "contactId"::text AS "contactId", total::float8 AS total, "placedAt"`;
}
