// Customer-lifecycle segmentation (DESIGN.md §1): prospects from anonymous to interested, the
// disengaged, then customers by frequency and value. classifySegment documents the precedence.
export const BEHAVIOURAL_SEGMENTS = [
  "ghost",
  "new",
  "lead",
  "waiting",
  "at_risk",
  "lost",
  "occasional",
  "repeat",
  "hero",
] as const;

export type BehaviouralSegment = (typeof BEHAVIOURAL_SEGMENTS)[number];

export function isBehaviouralSegment(value: string): value is BehaviouralSegment {
  return (BEHAVIOURAL_SEGMENTS as readonly string[]).includes(value);
}

/** `from` is null for a contact's first classification, which is a membership change too. */
export interface SegmentTransition {
  from: BehaviouralSegment | null;
  to: BehaviouralSegment;
}

export function segmentTransition(
  prev: BehaviouralSegment | null,
  next: BehaviouralSegment,
): SegmentTransition | null {
  return prev === next ? null : { from: prev, to: next };
}

/**
 * Marketing email reaches neither the unreachable (ghost) nor the lost: a lost contact left a win-back
 * unanswered or has been silent for months, and hears from marketing again once they interact.
 */
export function receivesMarketing(segment: string): boolean {
  return segment !== "lost" && segment !== "ghost";
}
