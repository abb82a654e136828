/**
 * Recency, frequency and monetary limits of the behavioural segments. "Sign of life" is the latest of
 * creation, any activity, an order and a cart abandonment. Every "within" is strict and every "after"
 * inclusive, so at each boundary instant the contact is already in the later segment.
 */
export interface SegmentThresholds {
  /** A prospect whose open cart was abandoned less than this many days ago is `waiting`. */
  waitingWithinDays: number;
  /** No sign of life for this many days makes any identified contact `at_risk`. */
  atRiskAfterDays: number;
  /** No sign of life for this many days makes any identified contact `lost`; beyond atRiskAfterDays. */
  lostAfterDays: number;
  /** Orders within the repeat window that make a customer `repeat`. */
  repeatOrders: number;
  /** The window ordersInWindow is counted over, by whoever builds the RFM profile. */
  repeatWindowDays: number;
  /** Orders within the repeat window a `hero` needs... */
  heroOrders: number;
  /** ...with at least this lifetime revenue... */
  heroRevenue: number;
  /** ...and a sign of life less than this many days ago; a hero who goes quiet falls back to `repeat`. */
  heroEngagedWithinDays: number;
}

export const DEFAULT_SEGMENT_THRESHOLDS: SegmentThresholds = {
  waitingWithinDays: 7,
  atRiskAfterDays: 60,
  lostAfterDays: 180,
  repeatOrders: 2,
  repeatWindowDays: 365,
  heroOrders: 5,
  heroRevenue: 1000,
  heroEngagedWithinDays: 30,
};
