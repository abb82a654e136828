// Ratios shown beside counts. A ratio over nothing is null ("no data"), never 0 or NaN, so a chart
// can tell "nobody converted" from "nobody entered".

export function rate(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : Math.round((numerator / denominator) * 10_000) / 10_000;
}

/** Money as the store keeps it: to the cent. */
export function cents(amount: number): number {
  return Math.round(amount * 100) / 100;
}
