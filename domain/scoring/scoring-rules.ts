export type PropertyValue = string | number | boolean;

/** Points for a behaviour; `propertyEquals` narrows it to events carrying all of those properties. */
export interface EventPointsRule {
  eventType: string;
  points: number;
  propertyEquals?: Readonly<Record<string, PropertyValue>>;
}

/** Points for fit with the buyer persona, read from the contact's properties. */
export interface FitPointsRule {
  property: string;
  equals: PropertyValue;
  points: number;
}

export interface ScoringRules {
  eventPoints: readonly EventPointsRule[];
  fitPoints: readonly FitPointsRule[];
  /** Behaviour points halve every halfLifeDays, so old interest fades; null keeps them forever. */
  halfLifeDays: number | null;
  /** A score at or above this promotes a subscriber or lead to MQL. */
  mqlThreshold: number;
}

// Weights follow intent: reading an email is weak, asking for content or pricing is strong. Every
// matching rule counts, so a pricing page view earns the page_view point plus the pricing bonus.
export const DEFAULT_SCORING_RULES: ScoringRules = {
  eventPoints: [
    { eventType: "email_opened", points: 1 },
    { eventType: "email_clicked", points: 3 },
    { eventType: "page_view", points: 1 },
    { eventType: "page_view", propertyEquals: { path: "/pricing" }, points: 10 },
    { eventType: "form_submitted", points: 10 },
    { eventType: "content_downloaded", points: 8 },
    { eventType: "cart_updated", points: 3 },
    { eventType: "social_interaction", points: 2 },
  ],
  fitPoints: [
    { property: "role", equals: "decision_maker", points: 15 },
    { property: "role", equals: "influencer", points: 5 },
    // Students rarely buy: a negative fit keeps their reading from qualifying them.
    { property: "role", equals: "student", points: -10 },
  ],
  halfLifeDays: 30,
  mqlThreshold: 50,
};
