// Carts and orders described by events: cart_updated and cart_abandoned keep a cart's state (status,
// value, line items, currency, link), order_placed records the order with its lines (once per order id)
// and marks its cart purchased. Purchased is final: a late cart event cannot reopen a bought cart.

import type { RawStatements } from "../../prisma/raw-statements.ts";

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

export interface CommerceOutcome {
  /** The orders that are new (a replayed order id is not). */
  orders: PlacedOrder[];
  /** Carts of the batch that are bought, by this batch or before: their abandonment starts nothing. */
  purchasedCartIds: Set<string>;
}

interface CartState {
  contactId: string;
  status: "open" | "abandoned" | "purchased";
  value?: number;
  items?: unknown;
  currency?: string;
  url?: string;
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
    carts.set(cartId, cart);
    if (cart.status === "purchased" && status !== "purchased") continue;
    cart.status = status;
    if (status === "abandoned") cart.abandonedAt = event.occurredAt;
    if (event.type !== "order_placed") {
      const { value, items, currency, url } = event.properties;
      if (typeof value === "number") cart.value = value;
      if (Array.isArray(items)) cart.items = items;
      if (typeof currency === "string") cart.currency = currency;
      if (typeof url === "string") cart.url = url;
    }
  }
  return carts;
}

/**
 * Every cart in two statements: the missing ones are created with the defaults, then each is updated
 * with what the batch says (a field the batch does not mention keeps its value). The update locks
 * the row, so a concurrent batch's write to the same cart is not lost. Returns the purchased carts.
 */
async function saveCarts(tx: RawStatements, carts: Map<string, CartState>, now: Date): Promise<Set<string>> {
  // Absent fields are left out of the JSON and read as NULL, which keeps the stored value.
  const rows = JSON.stringify([...carts].map(([id, cart]) => ({ id, ...cart })));
  await tx.$executeRaw`
    INSERT INTO "Cart" (id, "contactId", "updatedAt")
    SELECT id, "contactId", ${now}::timestamp FROM json_to_recordset(${rows}::json) AS u(id text, "contactId" uuid)
    ON CONFLICT (id) DO NOTHING`;
  // A bought cart keeps its status and its abandonment time: an abandonment reported after the
  // purchase must neither restart cart recovery nor count the buyer as `waiting`.
  const saved = await tx.$queryRaw<Array<{ id: string; status: string }>>`
    UPDATE "Cart" c SET
      status = CASE WHEN c.status = 'purchased' THEN c.status ELSE u.status END,
      value = COALESCE(u.value, c.value), items = COALESCE(u.items, c.items),
      currency = COALESCE(u.currency, c.currency), url = COALESCE(u.url, c.url),
      "abandonedAt" = CASE WHEN c.status = 'purchased' OR u.status = 'purchased' THEN c."abandonedAt"
        ELSE COALESCE(u."abandonedAt", c."abandonedAt") END,
      "updatedAt" = ${now}::timestamp
    FROM json_to_recordset(${rows}::json)
      AS u(id text, status text, value numeric, items jsonb, currency text, url text, "abandonedAt" timestamp)
    WHERE c.id = u.id
    RETURNING c.id, c.status`;
  return new Set(saved.filter((cart) => cart.status === "purchased").map((cart) => cart.id));
}

/** Writes the batch's carts and orders. */
export async function applyCommerceEvents(
  tx: RawStatements,
  events: readonly CommerceEvent[],
  now: Date,
): Promise<CommerceOutcome> {
  const commerce = events.filter((event) => event.type in CART_STATUS_BY_EVENT);
  if (commerce.length === 0) return { orders: [], purchasedCartIds: new Set() };
  const purchasedCartIds = await saveCarts(tx, foldCarts(commerce), now);
  const orders = commerce.filter((event) => event.type === "order_placed");
  if (orders.length === 0) return { orders: [], purchasedCartIds };
  const rows = orders.map(({ contactId, occurredAt, properties }) => ({
    id: String(properties.orderId),
    contactId,
    cartId: typeof properties.cartId === "string" ? properties.cartId : null,
    total: Number(properties.total),
    items: Array.isArray(properties.items) ? properties.items : [],
    currency: typeof properties.currency === "string" ? properties.currency : null,
    placedAt: occurredAt,
  }));
  const placed = await tx.$queryRaw<PlacedOrder[]>`
    INSERT INTO "Order" (id, "contactId", "cartId", total, items, currency, "placedAt")
    SELECT * FROM json_to_recordset(${JSON.stringify(rows)}::json)
      AS u(id text, "contactId" uuid, "cartId" text, total numeric, items jsonb, currency text, "placedAt" timestamp)
    ON CONFLICT (id) DO NOTHING
    RETURNING "contactId"::text AS "contactId", total::float8 AS total, "placedAt"`;
  return { orders: placed, purchasedCartIds };
}
