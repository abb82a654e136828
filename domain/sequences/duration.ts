// Durations in sequence definitions are short strings a marketer can read: "3d", "2h", "30m", "10s",
// "500ms". Workflows turn them into timers, so parsing must be deterministic and dependency-free.

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

export function parseDuration(text: string): number | null {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return null;
  const [, amount, unit] = match;
  const ms = Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return Number.isFinite(ms) ? Math.round(ms) : null;
}

export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === null) throw new Error(`invalid duration "${text}"`);
  return ms;
}
