// The Temporal client's gRPC retries, stopped before they cross the call's deadline. The SDK's retry
// interceptor waits out its backoff and starts the next attempt even when the deadline has passed, so
// a call that kept failing for a retryable reason (Temporal unavailable, overloaded) ended as
// "DEADLINE_EXCEEDED: Deadline exceeded after 0.000s", hiding the reason. Now the last failure is
// reported as it was, and no attempt starts that could not finish in time.
import {
  type ConnectionOptions,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
} from "@temporalio/client";

type Interceptor = NonNullable<ConnectionOptions["interceptors"]>[number];
/** gRPC's deadline: a point in time, as a Date or milliseconds since the epoch. */
type Deadline = Date | number;

/** Whether an attempt starting `delayMs` from `now` still has time before the call's deadline. */
export function retryFitsDeadline(deadline: Deadline | undefined, now: number, delayMs: number): boolean {
  if (deadline === undefined) return true;
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
  return now + delayMs < deadlineMs;
}

export function deadlineAwareRetryInterceptor(): Interceptor {
  const defaults = defaultGrpcRetryOptions();
  return (options, nextCall) => {
    // Drawn when deciding, so the wait that is checked against the deadline is the wait taken.
    let delayMs = 0;
    return makeGrpcRetryInterceptor({
      delayFunction: () => delayMs,
      retryableDecider(attempt, status) {
        if (!defaults.retryableDecider(attempt, status)) return false;
        delayMs = defaults.delayFunction(attempt, status);
        return retryFitsDeadline(options.deadline, Date.now(), delayMs);
      },
    })(options, nextCall);
  };
}
