import { describe, expect, it } from "vitest";
import { commerceTemplateData, formatAmount } from "../../../../domain/commerce/line-items.ts";

const shoes = { name: "Trail shoes", quantity: 1, price: 129, url: "https://shop.example.com/p/1" };
const socks = { name: "Socks", quantity: 2, price: 18, imageUrl: "https://shop.example.com/i/2.png" };

describe("formatAmount", () => {
  it("writes amounts in the currency, or with two decimals without one", () => {
    expect(formatAmount(1234.5, "USD")).toBe("$1,234.50");
    expect(formatAmount(36, "EUR")).toBe("€36.00");
    expect(formatAmount(1500, "JPY")).toBe("¥1,500");
    expect(formatAmount(7)).toBe("7.00");
  });
});

describe("commerceTemplateData", () => {
  it("writes out a cart's lines, line totals and total, keeping links and pictures", () => {
    const data = commerceTemplateData({
      cart: { id: "c-1", currency: "USD", items: [shoes, socks], url: "https://shop.example.com/cart" },
    });
    expect(data.cart).toEqual({
      id: "c-1",
      currency: "USD",
      url: "https://shop.example.com/cart",
      total: "$165.00",
      items: [
        { ...shoes, price: "$129.00", lineTotal: "$129.00" },
        { ...socks, price: "$18.00", lineTotal: "$36.00" },
      ],
    });
  });

  it("takes the cart's value as its total when the shop sent one", () => {
    const data = commerceTemplateData({ cart: { currency: "EUR", value: 150, items: [shoes, socks] } });
    expect((data.cart as { total: string }).total).toBe("€150.00");
  });

  it("names the order's first line as its product unless the order names one, and uses its recommendations", () => {
    const recommendation = { name: "Insoles", price: 25, url: "https://shop.example.com/p/9" };
    const data = commerceTemplateData({
      order: {
        id: "o-1",
        total: 165,
        currency: "USD",
        items: [shoes, socks],
        recommendations: [recommendation],
      },
      recommendations: [{ name: "Fixed pick", url: "https://shop.example.com/p/0" }],
    });
    expect((data.order as { total: string }).total).toBe("$165.00");
    expect(data.product).toMatchObject({ name: "Trail shoes", price: "$129.00" });
    expect(data.recommendations).toEqual([{ ...recommendation, price: "$25.00", lineTotal: "$25.00" }]);

    const named = commerceTemplateData({
      order: { id: "o-2", total: 1, items: [shoes] },
      product: { name: "X" },
    });
    expect(named.product).toEqual({ name: "X" });
  });

  it("keeps fixed text and data without carts or orders as they are", () => {
    const fixed = { cart: { items: [{ name: "Gift card", quantity: 1, price: "free" }], total: "free" } };
    expect(commerceTemplateData(fixed).cart).toEqual({
      items: [{ name: "Gift card", quantity: 1, price: "free", lineTotal: "free" }],
      total: "free",
    });
    expect(commerceTemplateData({ guide: { title: "T" } })).toEqual({ guide: { title: "T" } });
  });
});
