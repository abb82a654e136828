// When a failed outbox delivery is tried again, and when it is given up on (parked).
//
// A failure Temporal answered (a rejected request, an oversized payload) is the row's own problem: it
// is retried with exponential backoff and parked after `maxAttempts`. Temporal being unreachable is
// nobody's row's fault: the row stays pending however long the outage lasts, retried at most
// `UNREACHABLE_RETRY_CAP_MS` apart so delivery resumes soon after Temporal is back.

export interface OutboxRetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
}

const RETRY_CAP_MS = 5 * 60_000;
const UNREACHABLE_RETRY_CAP_MS = 10_000;

export type FailureDecision = { park: true; retryInMs: 0 } | { park: false; retryInMs: number };

/** `attempts` counts the attempt that just failed. */
export function decideAfterFailure(
  policy: OutboxRetryPolicy,
  attempts: number,
  temporalUnreachable: boolean,
): FailureDecision {
  const backoff = policy.baseDelayMs * 2 ** Math.min(Math.max(attempts - 1, 0), 20);
  if (temporalUnreachable) return { park: false, retryInMs: Math.min(backoff, UNREACHABLE_RETRY_CAP_MS) };
  if (attempts >= policy.maxAttempts) return { park: true, retryInMs: 0 };
  return { park: false, retryInMs: Math.min(backoff, RETRY_CAP_MS) };
}
