import { describe, expect, it } from "vitest";
import type { ContactEvent } from "../../../../domain/events/event-types.ts";
import { fitEntries, pointsForEvent } from "../../../../domain/scoring/score-entries.ts";
import { DEFAULT_SCORING_RULES, type ScoringRules } from "../../../../domain/scoring/scoring-rules.ts";

const at = new Date("2025-03-01T10:00:00Z");

function event(type: string, properties: Record<string, unknown> = {}): ContactEvent {
  return { type, occurredAt: at, properties };
}

describe("pointsForEvent with the default rules", () => {
  it.each([
    ["email_opened", 1],
    ["email_clicked", 3],
    ["page_view", 1],
    ["form_submitted", 10],
    ["content_downloaded", 8],
  ])("%s earns %i", (type, points) => {
    expect(pointsForEvent(event(type), DEFAULT_SCORING_RULES)).toEqual([
      { kind: "behaviour", rule: type, points, occurredAt: at },
    ]);
  });

  it("a pricing page view earns the page view and the pricing bonus", () => {
    expect(pointsForEvent(event("page_view", { path: "/pricing" }), DEFAULT_SCORING_RULES)).toEqual([
      { kind: "behaviour", rule: "page_view", points: 1, occurredAt: at },
      { kind: "behaviour", rule: "page_view[path=/pricing]", points: 10, occurredAt: at },
    ]);
  });

  it("another page earns no pricing bonus", () => {
    const entries = pointsForEvent(event("page_view", { path: "/blog" }), DEFAULT_SCORING_RULES);
    expect(entries.map((entry) => entry.rule)).toEqual(["page_view"]);
  });

  it("events without a rule earn nothing", () => {
    expect(pointsForEvent(event("support_request"), DEFAULT_SCORING_RULES)).toEqual([]);
    expect(pointsForEvent(event("custom.unknown"), DEFAULT_SCORING_RULES)).toEqual([]);
  });
});

describe("pointsForEvent with configured rules", () => {
  const rules: ScoringRules = {
    eventPoints: [
      { eventType: "custom.webinar", propertyEquals: { attended: true, minutes: 60 }, points: 20 },
      { eventType: "email_clicked", propertyEquals: {}, points: 2 },
      { eventType: "custom.unsubscribe_intent", points: -5 },
    ],
    fitPoints: [],
    halfLifeDays: null,
    mqlThreshold: 40,
  };

  it("needs every property condition to match, with strict equality", () => {
    expect(pointsForEvent(event("custom.webinar", { attended: true, minutes: 60 }), rules)).toEqual([
      { kind: "behaviour", rule: "custom.webinar[attended=true,minutes=60]", points: 20, occurredAt: at },
    ]);
    expect(pointsForEvent(event("custom.webinar", { attended: true }), rules)).toEqual([]);
    expect(pointsForEvent(event("custom.webinar", { attended: "true", minutes: 60 }), rules)).toEqual([]);
    expect(pointsForEvent(event("custom.webinar", { attended: true, minutes: "60" }), rules)).toEqual([]);
  });

  it("treats empty conditions as none and labels the rule by its event type", () => {
    expect(pointsForEvent(event("email_clicked", { link: "x" }), rules)).toEqual([
      { kind: "behaviour", rule: "email_clicked", points: 2, occurredAt: at },
    ]);
  });

  it("keeps negative points", () => {
    expect(pointsForEvent(event("custom.unsubscribe_intent"), rules)[0]?.points).toBe(-5);
  });
});

describe("fitEntries", () => {
  it("scores a decision maker", () => {
    expect(fitEntries({ role: "decision_maker", country: "CZ" }, DEFAULT_SCORING_RULES)).toEqual([
      { kind: "fit", rule: "role=decision_maker", points: 15 },
    ]);
  });

  it("can subtract points for a poor fit", () => {
    expect(fitEntries({ role: "student" }, DEFAULT_SCORING_RULES)).toEqual([
      { kind: "fit", rule: "role=student", points: -10 },
    ]);
  });

  it("ignores missing and non-matching properties", () => {
    expect(fitEntries({}, DEFAULT_SCORING_RULES)).toEqual([]);
    expect(fitEntries({ role: "Decision_Maker" }, DEFAULT_SCORING_RULES)).toEqual([]);
  });

  it("matches numbers and booleans strictly and adds every matching rule", () => {
    const rules: ScoringRules = {
      ...DEFAULT_SCORING_RULES,
      fitPoints: [
        { property: "employees", equals: 500, points: 10 },
        { property: "b2b", equals: true, points: 5 },
      ],
    };
    expect(fitEntries({ employees: 500, b2b: true }, rules)).toEqual([
      { kind: "fit", rule: "employees=500", points: 10 },
      { kind: "fit", rule: "b2b=true", points: 5 },
    ]);
    expect(fitEntries({ employees: "500", b2b: "true" }, rules)).toEqual([]);
  });
});
