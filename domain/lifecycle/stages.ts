// HubSpot's lifecycle model, in funnel order. The order is what "forward", "backward" and
// "highest stage reached" mean.
export const LIFECYCLE_STAGES = [
  "subscriber",
  "lead",
  "mql",
  "sql",
  "opportunity",
  "customer",
  "evangelist",
] as const;

export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** Who or what moved a contact: recorded with every stage change. */
export const STAGE_CHANGE_SOURCES = ["api", "scoring", "segment", "workflow", "event"] as const;
export type StageChangeSource = (typeof STAGE_CHANGE_SOURCES)[number];

export function isLifecycleStage(value: string): value is LifecycleStage {
  return (LIFECYCLE_STAGES as readonly string[]).includes(value);
}

export function stageRank(stage: LifecycleStage): number {
  return LIFECYCLE_STAGES.indexOf(stage);
}

export function higherStage(a: LifecycleStage, b: LifecycleStage): LifecycleStage {
  return stageRank(a) >= stageRank(b) ? a : b;
}

export type StageDirection = "forward" | "backward" | "none";

export function stageDirection(from: LifecycleStage, to: LifecycleStage): StageDirection {
  const delta = stageRank(to) - stageRank(from);
  return delta > 0 ? "forward" : delta < 0 ? "backward" : "none";
}
