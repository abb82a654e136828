// Which sequences a contact change starts, and with which entry key.
import type { ContactChange } from "./contact-change.ts";
import type { SequenceDefinition, SequenceGoal, SequenceTrigger } from "./definition.ts";

/** The entry key of the run a change starts, or null when the trigger does not fire. */
export function entryKeyFor(trigger: SequenceTrigger, change: ContactChange): string | null {
  switch (trigger.type) {
    case "stage_entered":
      return change.kind === "stage_changed" && change.to === trigger.stage ? `stage/${trigger.stage}` : null;
    case "stage_left":
      return change.kind === "stage_changed" && change.from === trigger.stage && change.to !== trigger.stage
        ? `left-stage/${trigger.stage}`
        : null;
    case "segment_entered":
      return change.kind === "segment_changed" && change.to === trigger.segment
        ? `segment/${trigger.segment}`
        : null;
    case "segment_left":
      return change.kind === "segment_changed" &&
        change.from === trigger.segment &&
        change.to !== trigger.segment
        ? `left-segment/${trigger.segment}`
        : null;
    case "event": {
      if (change.kind !== "event" || change.eventType !== trigger.eventType) return null;
      if (!trigger.entryKeyProperty) return `event/${trigger.eventType}`;
      const value = change.properties[trigger.entryKeyProperty];
      if (typeof value !== "string" && typeof value !== "number") return null;
      return `${trigger.entryKeyProperty}/${String(value)}`;
    }
  }
}

/** Whether a change reaches one of a run's goals; returns the goal's description for the exit reason. */
export function goalReached(goals: SequenceGoal[], change: ContactChange, entryKey: string): string | null {
  for (const goal of goals) {
    if (goal.type === "stage_reached" && change.kind === "stage_changed" && change.to === goal.stage) {
      return `goal: stage ${goal.stage} reached`;
    }
    if (goal.type === "segment_entered" && change.kind === "segment_changed" && change.to === goal.segment) {
      return `goal: segment ${goal.segment} entered`;
    }
    if (goal.type === "event" && change.kind === "event" && change.eventType === goal.eventType) {
      if (!goal.sameEntry || eventMatchesEntry(change.properties, entryKey)) return `goal: ${goal.eventType}`;
    }
  }
  return null;
}

// Entry keys of event triggers are "<property>/<value>": the goal event must carry the same pair.
function eventMatchesEntry(properties: Record<string, unknown>, entryKey: string): boolean {
  const slash = entryKey.indexOf("/");
  if (slash < 0) return false;
  const property = entryKey.slice(0, slash);
  const value = properties[property];
  return (
    (typeof value === "string" || typeof value === "number") && String(value) === entryKey.slice(slash + 1)
  );
}

/** Event types some sequence starts on or stops at: only their events need to reach Temporal. */
export function eventTypesSequencesUse(definitions: readonly SequenceDefinition[]): Set<string> {
  const types = new Set<string>();
  for (const definition of definitions) {
    if (definition.trigger.type === "event") types.add(definition.trigger.eventType);
    for (const goal of definition.goals) if (goal.type === "event") types.add(goal.eventType);
  }
  return types;
}
