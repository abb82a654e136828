// Which sequences a contact change starts, and with which entry key.
import type { ContactChange } from "./contact-change.ts";
import type { Condition, SequenceDefinition, SequenceStep, SequenceTrigger } from "./definition.ts";

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

// Entry keys of event triggers are "<property>/<value>": the goal event must carry the same pair.
export function eventMatchesEntry(properties: Record<string, unknown>, entryKey: string): boolean {
  const slash = entryKey.indexOf("/");
  if (slash < 0) return false;
  const property = entryKey.slice(0, slash);
  const value = properties[property];
  return (
    (typeof value === "string" || typeof value === "number") && String(value) === entryKey.slice(slash + 1)
  );
}

function conditionEventTypes(condition: Condition, types: Set<string>): void {
  if (condition.event) types.add(condition.event.type);
  for (const inner of [
    ...(condition.all ?? []),
    ...(condition.any ?? []),
    ...(condition.not ? [condition.not] : []),
  ]) {
    conditionEventTypes(inner, types);
  }
}

function stepEventTypes(steps: readonly SequenceStep[], types: Set<string>): void {
  for (const step of steps) {
    if (step.type === "wait_for_event") types.add(step.event.type);
    if (step.type === "branch") conditionEventTypes(step.if, types);
    if (step.type === "wait_for_event" || step.type === "branch") {
      stepEventTypes(step.then ?? [], types);
      stepEventTypes(step.else ?? [], types);
    }
  }
}

/** Event types some sequence starts on, waits for, tests or stops at: only their events reach Temporal. */
export function eventTypesSequencesUse(definitions: readonly SequenceDefinition[]): Set<string> {
  const types = new Set<string>();
  for (const definition of definitions) {
    if (definition.trigger.type === "event") types.add(definition.trigger.eventType);
    for (const goal of definition.goals) if (goal.type === "event") types.add(goal.eventType);
    if (definition.entry.if) conditionEventTypes(definition.entry.if, types);
    stepEventTypes(definition.steps, types);
  }
  return types;
}
