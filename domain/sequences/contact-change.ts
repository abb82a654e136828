// What the outbox announces about a contact: the trigger for new runs and the signal for running ones.
import type { LifecycleStage } from "../lifecycle/stages.ts";

export type ContactChange =
  | { kind: "stage_changed"; from: LifecycleStage | null; to: LifecycleStage; occurredAt: string }
  | { kind: "segment_changed"; from: string | null; to: string; occurredAt: string }
  | { kind: "event"; eventType: string; properties: Record<string, unknown>; occurredAt: string }
  | { kind: "unsubscribed"; occurredAt: string };

export type ContactChangeKind = ContactChange["kind"];
