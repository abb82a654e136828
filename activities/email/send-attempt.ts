// What a send needs to know about the Temporal activity attempt running it: when to give up on the
// SMTP exchange, how to say it is alive, and when the step was first tried.
//
// The attempt aborts its SMTP exchange when Temporal cancels it (it learns that through heartbeats,
// also when the attempt timed out on the server) and, at the latest, DEADLINE_MARGIN_MS before its
// start-to-close timeout, so no attempt is still talking to the relay when Temporal starts the next.
import { Context } from "@temporalio/activity";

export interface SendAttempt {
  signal: AbortSignal;
  heartbeat(): void;
  /** When the step's first attempt was scheduled: the expiry of a send with no `firstDueAt` counts from here. */
  firstScheduledAt: Date;
}

const DEADLINE_MARGIN_MS = 5_000;

export function currentSendAttempt(): SendAttempt {
  const context = Context.current();
  const { info } = context;
  const signals = [context.cancellationSignal];
  if (info.startToCloseTimeoutMs > 0) {
    const elapsed = Date.now() - info.currentAttemptScheduledTimestampMs;
    signals.push(AbortSignal.timeout(Math.max(0, info.startToCloseTimeoutMs - elapsed - DEADLINE_MARGIN_MS)));
  }
  return {
    signal: AbortSignal.any(signals),
    heartbeat: () => context.heartbeat(),
    firstScheduledAt: new Date(info.scheduledTimestampMs),
  };
}
