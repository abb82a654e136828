// The cart and order a sequence email shows. A cart-recovery run starts from cart_abandoned, which
// often names only the cart: its lines, currency and link come from the stored cart, as the latest
// cart_updated left it (so a reminder an hour later shows what is in the cart then).
import { commerceTemplateData } from "../../domain/commerce/line-items.ts";
import type { ContactStore } from "../../prisma/client.ts";

interface StoredCart {
  items: unknown;
  value: number;
  currency: string | null;
  url: string | null;
}

export async function withCommerceData(
  store: ContactStore,
  contactId: string,
  templateData: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const cart = templateData.cart as Record<string, unknown> | undefined;
  if (typeof cart?.id !== "string") return commerceTemplateData(templateData);
  // The contact's own cart only: a cart id never shows one contact's cart to another.
  const [stored] = await store.$queryRaw<StoredCart[]>`
    SELECT items, value::float8 AS value, currency, url FROM "Cart"
    WHERE id = ${cart.id} AND "contactId" = ${contactId}::uuid`;
  if (!stored) return commerceTemplateData(templateData);
  const storedLines = Array.isArray(stored.items) && stored.items.length > 0 ? stored.items : undefined;
  return commerceTemplateData({
    ...templateData,
    cart: {
      ...cart,
      items: storedLines ?? cart.items,
      value: stored.value > 0 ? stored.value : cart.value,
      currency: stored.currency ?? cart.currency,
      url: stored.url ?? cart.url,
    },
  });
}
