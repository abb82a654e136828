import { describe, expect, it } from "vitest";
import { stageMoveForScore } from "../../../../domain/lifecycle/stage-rules.ts";
import { scoreOf, topContributors } from "../../../../domain/scoring/score.ts";
import { fitEntries, pointsForEvent, type ScoreEntry } from "../../../../domain/scoring/score-entries.ts";
import { DEFAULT_SCORING_RULES } from "../../../../domain/scoring/scoring-rules.ts";

const now = new Date("2025-06-01T00:00:00Z");
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
const halfLife30 = { halfLifeDays: 30 };
const noDecay = { halfLifeDays: null };

function behaviour(rule: string, points: number, ageDays: number): ScoreEntry {
  return { kind: "behaviour", rule, points, occurredAt: daysAgo(ageDays) };
}

describe("scoreOf", () => {
  it("is zero without entries", () => {
    expect(scoreOf([], now, halfLife30)).toBe(0);
  });

  it("counts 10 points from 30 days ago as 5 with a 30-day half-life", () => {
    expect(scoreOf([behaviour("form_submitted", 10, 30)], now, halfLife30)).toBe(5);
  });

  it("sums decayed behaviour and undecayed fit", () => {
    const entries: ScoreEntry[] = [
      behaviour("form_submitted", 10, 30),
      behaviour("email_clicked", 3, 0),
      behaviour("email_clicked", 4, 60),
      { kind: "fit", rule: "role=decision_maker", points: 15 },
    ];
    expect(scoreOf(entries, now, halfLife30)).toBe(5 + 3 + 1 + 15);
    expect(scoreOf(entries, now, noDecay)).toBe(10 + 3 + 4 + 15);
  });

  it("does not decay fit points however old the contact is", () => {
    const fit: ScoreEntry[] = [{ kind: "fit", rule: "role=decision_maker", points: 15 }];
    expect(scoreOf(fit, new Date("2099-01-01T00:00:00Z"), halfLife30)).toBe(15);
  });

  it("rounds to two decimals", () => {
    expect(scoreOf([behaviour("form_submitted", 10, 15)], now, halfLife30)).toBe(7.07);
    expect(scoreOf([behaviour("x", 0.1, 0), behaviour("y", 0.2, 0)], now, noDecay)).toBe(0.3);
  });

  it("includes negative points", () => {
    expect(
      scoreOf(
        [behaviour("page_view", 5, 0), { kind: "fit", rule: "role=student", points: -10 }],
        now,
        halfLife30,
      ),
    ).toBe(-5);
  });

  it("lets a score cross the MQL threshold and fall below it again as it decays", () => {
    const entries = [
      ...pointsForEvent(
        { type: "page_view", occurredAt: daysAgo(0), properties: { path: "/pricing" } },
        DEFAULT_SCORING_RULES,
      ),
      ...pointsForEvent(
        { type: "form_submitted", occurredAt: daysAgo(0), properties: {} },
        DEFAULT_SCORING_RULES,
      ),
      ...pointsForEvent(
        { type: "content_downloaded", occurredAt: daysAgo(0), properties: {} },
        DEFAULT_SCORING_RULES,
      ),
      ...pointsForEvent(
        { type: "email_clicked", occurredAt: daysAgo(0), properties: {} },
        DEFAULT_SCORING_RULES,
      ),
      ...pointsForEvent(
        { type: "email_clicked", occurredAt: daysAgo(0), properties: {} },
        DEFAULT_SCORING_RULES,
      ),
      ...fitEntries({ role: "decision_maker" }, DEFAULT_SCORING_RULES),
    ];
    const today = scoreOf(entries, now, DEFAULT_SCORING_RULES);
    expect(today).toBe(1 + 10 + 10 + 8 + 3 + 3 + 15);
    expect(stageMoveForScore("lead", today, DEFAULT_SCORING_RULES.mqlThreshold)?.to).toBe("mql");
    const inAMonth = scoreOf(entries, new Date(now.getTime() + 30 * 86_400_000), DEFAULT_SCORING_RULES);
    expect(inAMonth).toBe(35 / 2 + 15);
    expect(stageMoveForScore("lead", inAMonth, DEFAULT_SCORING_RULES.mqlThreshold)).toBeNull();
  });
});

describe("topContributors", () => {
  const entries: ScoreEntry[] = [
    behaviour("email_opened", 1, 0),
    behaviour("email_opened", 1, 0),
    behaviour("email_opened", 1, 30),
    behaviour("form_submitted", 10, 30),
    behaviour("page_view[path=/pricing]", 10, 0),
    behaviour("page_view", 1, 0),
    { kind: "fit", rule: "role=decision_maker", points: 15 },
    { kind: "fit", rule: "role=student", points: -10 },
  ];

  it("sums decayed points and counts entries per rule, highest first", () => {
    expect(topContributors(entries, now, halfLife30, 10)).toEqual([
      { rule: "role=decision_maker", points: 15, count: 1 },
      { rule: "page_view[path=/pricing]", points: 10, count: 1 },
      { rule: "form_submitted", points: 5, count: 1 },
      { rule: "email_opened", points: 2.5, count: 3 },
      { rule: "page_view", points: 1, count: 1 },
      { rule: "role=student", points: -10, count: 1 },
    ]);
  });

  it("ranks by decayed, not original, points", () => {
    const ranked = topContributors(
      [behaviour("old_big", 40, 120), behaviour("new_small", 5, 0)],
      now,
      halfLife30,
      2,
    );
    expect(ranked.map((contributor) => contributor.rule)).toEqual(["new_small", "old_big"]);
    expect(ranked[1]?.points).toBe(2.5);
  });

  it("limits the list", () => {
    expect(topContributors(entries, now, halfLife30, 2).map((contributor) => contributor.rule)).toEqual([
      "role=decision_maker",
      "page_view[path=/pricing]",
    ]);
    expect(topContributors(entries, now, halfLife30, 0)).toEqual([]);
  });

  it("breaks ties by rule label", () => {
    const tied = [behaviour("b_rule", 3, 0), behaviour("a_rule", 3, 0), behaviour("c_rule", 3, 0)];
    expect(topContributors(tied, now, noDecay, 3).map((contributor) => contributor.rule)).toEqual([
      "a_rule",
      "b_rule",
      "c_rule",
    ]);
  });

  it("adds up to the score when nothing is left out", () => {
    const total = topContributors(entries, now, halfLife30, 100).reduce((sum, c) => sum + c.points, 0);
    expect(total).toBe(scoreOf(entries, now, halfLife30));
  });
});
