import type { ContactEvent } from "../events/event-types.ts";
import type { LifecycleStage, StageDirection } from "./stages.ts";
import { higherStage, stageDirection } from "./stages.ts";

/**
 * Moves a contact to `to` when an event of type `on` arrives. Rules are data so marketers can
 * configure them; `onlyFrom` limits the stages the rule applies to, and `forwardOnly` keeps an
 * event from ever demoting a contact (an order never turns an evangelist back into a customer).
 */
export interface StageRule {
  on: string;
  to: LifecycleStage;
  onlyFrom?: readonly LifecycleStage[];
  forwardOnly: boolean;
}

export interface StageMove {
  to: LifecycleStage;
  reason: string;
}

/** The event CRM integrations send when a deal is opened for a contact. */
export const DEAL_OPENED_EVENT = "custom.deal_opened";

/**
 * The journey literature's event-driven moves. MQL comes from the score (stageMoveForScore) and SQL
 * from sales acceptance through the API, so neither has an event rule. Advocacy follows a purchase,
 * hence evangelist only from customer: a prospect's review is not advocacy of something they own.
 */
export function defaultStageRules(dealOpenedEvent: string = DEAL_OPENED_EVENT): StageRule[] {
  return [
    { on: "form_submitted", to: "lead", forwardOnly: true },
    { on: "content_downloaded", to: "lead", forwardOnly: true },
    { on: dealOpenedEvent, to: "opportunity", forwardOnly: true },
    { on: "order_placed", to: "customer", forwardOnly: true },
    { on: "review_posted", to: "evangelist", onlyFrom: ["customer"], forwardOnly: true },
    { on: "referral_made", to: "evangelist", onlyFrom: ["customer"], forwardOnly: true },
  ];
}

export const DEFAULT_STAGE_RULES: readonly StageRule[] = defaultStageRules();

/** The first applicable rule wins, so the order of the rules is their priority. */
export function stageMoveForEvent(
  current: LifecycleStage,
  event: Pick<ContactEvent, "type">,
  rules: readonly StageRule[],
): StageMove | null {
  for (const rule of rules) {
    if (rule.on !== event.type) continue;
    if (rule.onlyFrom && !rule.onlyFrom.includes(current)) continue;
    const direction = stageDirection(current, rule.to);
    if (direction === "none" || (rule.forwardOnly && direction === "backward")) continue;
    return { to: rule.to, reason: `event ${event.type}` };
  }
  return null;
}

/** Marketing qualification by score only promotes contacts not yet qualified. */
export function stageMoveForScore(
  current: LifecycleStage,
  score: number,
  threshold: number,
): StageMove | null {
  if ((current !== "subscriber" && current !== "lead") || score < threshold) return null;
  return { to: "mql", reason: `score ${score} reached MQL threshold ${threshold}` };
}

export interface StageChangePlan {
  from: LifecycleStage;
  to: LifecycleStage;
  direction: Exclude<StageDirection, "none">;
  newHighest: LifecycleStage;
}

/**
 * Plans any explicitly requested move, backward included (second thoughts, wrong qualification).
 * The highest stage reached never goes down: funnel reports count everyone who got that far.
 */
export function planStageChange(
  current: LifecycleStage,
  highest: LifecycleStage,
  to: LifecycleStage,
): StageChangePlan | null {
  const direction = stageDirection(current, to);
  if (direction === "none") return null;
  return { from: current, to, direction, newHighest: higherStage(higherStage(highest, current), to) };
}
