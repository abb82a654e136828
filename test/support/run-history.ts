// What a run's history says it was given: its start input and each signal's argument, decoded from
// their JSON payloads.
import type { WorkflowHandle } from "@temporalio/client";

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle["fetchHistory"]>>["events"]>[number];

/** A JSON payload's value; null for an absent or empty one. */
export function payloadJson(data: Uint8Array | null | undefined): unknown {
  return JSON.parse(Buffer.from(data ?? []).toString("utf8") || "null");
}

/** The run's first argument as it was started. */
export function startInput(events: readonly HistoryEvent[]): unknown {
  return payloadJson(events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data);
}

/** Every signal's first argument, in the order the run received them. */
export function signalArguments(events: readonly HistoryEvent[]): unknown[] {
  return events.flatMap((event) => {
    const signalled = event.workflowExecutionSignaledEventAttributes;
    return signalled ? [payloadJson(signalled.input?.payloads?.[0]?.data)] : [];
  });
}
