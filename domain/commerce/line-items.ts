// Carts and orders as emails show them. Shops send amounts as numbers (unit prices, the cart's value,
// the order's total) with an ISO 4217 currency; templates have no formatting helpers, so every amount
// reaches them already written out ("$129.00", "€36.00"), next to the line's quantity and total.

export interface LineItemView {
  name: string;
  quantity: number;
  /** The unit price as text. */
  price: string;
  /** quantity × price as text. */
  lineTotal: string;
  url?: string;
  imageUrl?: string;
  [field: string]: unknown;
}

type Data = Record<string, unknown>;

const formats = new Map<string, Intl.NumberFormat>();

/** "$1,234.50" with a currency, "1,234.50" without one. */
export function formatAmount(amount: number, currency?: string): string {
  const key = currency ?? "";
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(
      "en-US",
      currency ? { style: "currency", currency } : { minimumFractionDigits: 2, maximumFractionDigits: 2 },
    );
    formats.set(key, format);
  }
  return format.format(amount);
}

function isRecord(value: unknown): value is Data {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// A value that is already text (fixed content in a sequence step) is shown as it is.
function shown(amount: unknown, currency: string | undefined): unknown {
  return typeof amount === "number" ? formatAmount(amount, currency) : amount;
}

function lineView(line: Data, currency: string | undefined): Data {
  const { price, quantity } = line;
  const unitPrice = shown(price, currency);
  // A line without a quantity (a recommendation) costs its unit price.
  const lineTotal =
    typeof price === "number" && typeof quantity === "number"
      ? formatAmount(price * quantity, currency)
      : unitPrice;
  return { ...line, price: unitPrice, lineTotal: line.lineTotal ?? lineTotal };
}

function linesView(lines: unknown, currency: string | undefined): Data[] | undefined {
  return Array.isArray(lines) ? lines.filter(isRecord).map((line) => lineView(line, currency)) : undefined;
}

function sumOfLines(lines: unknown): number | undefined {
  if (!Array.isArray(lines) || lines.length === 0) return undefined;
  let sum = 0;
  for (const line of lines) {
    if (!isRecord(line) || typeof line.price !== "number" || typeof line.quantity !== "number")
      return undefined;
    sum += line.price * line.quantity;
  }
  return sum;
}

/**
 * The cart with its lines and total written out. `total` is the cart's `value`, or the sum of its
 * lines when the shop sent no value (a stored cart's value is 0 until one is sent).
 */
export function cartView(cart: Data): Data {
  const currency = typeof cart.currency === "string" ? cart.currency : undefined;
  const value = typeof cart.value === "number" && cart.value > 0 ? cart.value : sumOfLines(cart.items);
  return {
    ...cart,
    items: linesView(cart.items, currency) ?? [],
    total: shown(cart.total ?? value, currency),
  };
}

/** The order with its lines and total written out, and any recommendations the shop sent with it. */
export function orderView(order: Data): Data {
  const currency = typeof order.currency === "string" ? order.currency : undefined;
  return {
    ...order,
    items: linesView(order.items, currency) ?? [],
    total: shown(order.total, currency),
    ...(Array.isArray(order.recommendations)
      ? { recommendations: linesView(order.recommendations, currency) }
      : {}),
  };
}

/**
 * Template data with its `cart` and `order` written out for display. The order's main product (its
 * `product` property, else its first line) becomes `product`, which review and cross-sell emails name;
 * recommendations sent with the order replace a step's fixed ones.
 */
export function commerceTemplateData(data: Data): Data {
  const result: Data = { ...data };
  if (isRecord(data.cart)) result.cart = cartView(data.cart);
  if (isRecord(data.order)) {
    const order = orderView(data.order);
    result.order = order;
    const [firstLine] = order.items as Data[];
    result.product = isRecord(data.product) ? data.product : firstLine;
    if (Array.isArray(order.recommendations)) result.recommendations = order.recommendations;
  }
  return result;
}
