import { describe, expect, it } from "vitest";
import {
  advanceRunningScore,
  type RunningScore,
  runningScoreOf,
  scoreFromRunning,
} from "../../../../domain/scoring/running-score.ts";
import { scoreOf } from "../../../../domain/scoring/score.ts";
import type { ScoreEntry } from "../../../../domain/scoring/score-entries.ts";

const DAY_MS = 86_400_000;
const start = new Date("2025-06-01T00:00:00Z");
const day = (n: number) => new Date(start.getTime() + n * DAY_MS);
const halfLife30 = { halfLifeDays: 30 };
const noDecay = { halfLifeDays: null };
const fit: ScoreEntry[] = [{ kind: "fit", rule: "role=decision_maker", points: 15 }];

function behaviour(points: number, at: Date): ScoreEntry {
  return { kind: "behaviour", rule: "r", points, occurredAt: at };
}

describe("advanceRunningScore", () => {
  it("gives the same score as summing every entry, batch after batch", () => {
    const batches = [
      { now: day(1), added: [behaviour(10, day(0)), behaviour(3, day(1))] },
      { now: day(20), added: [behaviour(1, day(5)), behaviour(-4, day(19))] },
      { now: day(95), added: [behaviour(8, day(94))] },
      { now: day(96), added: [] },
    ];
    let running: RunningScore | null = null;
    const all: ScoreEntry[] = [...fit];
    for (const { now, added } of batches) {
      running = advanceRunningScore(running, added, now, halfLife30);
      all.push(...added);
      if (!running) throw new Error("expected an exact advance");
      expect(running.at).toEqual(now);
      expect(scoreFromRunning(running, fit)).toBe(scoreOf(all, now, halfLife30));
    }
  });

  it("halves a running total over one half-life", () => {
    const running = { points: 10, at: day(0), halfLifeDays: 30 };
    expect(advanceRunningScore(running, [], day(30), halfLife30)?.points).toBe(5);
  });

  it("keeps every point without decay", () => {
    const running = advanceRunningScore(null, [behaviour(10, day(0))], day(300), noDecay);
    expect(running).toEqual({ points: 10, at: day(300), halfLifeDays: null });
  });

  it("ignores fit entries: they describe the contact as it is now", () => {
    expect(advanceRunningScore(null, fit, day(0), halfLife30)?.points).toBe(0);
  });

  it("asks for a rebuild when the half-life changed", () => {
    const running = { points: 10, at: day(0), halfLifeDays: 30 };
    expect(advanceRunningScore(running, [], day(1), { halfLifeDays: 14 })).toBeNull();
    expect(advanceRunningScore(running, [], day(1), noDecay)).toBeNull();
  });

  it("asks for a rebuild when a point is later than now (clock skew)", () => {
    expect(advanceRunningScore(null, [behaviour(5, day(2))], day(1), halfLife30)).toBeNull();
    const ahead = { points: 5, at: day(2), halfLifeDays: 30 };
    expect(advanceRunningScore(ahead, [], day(1), halfLife30)).toBeNull();
  });
});

describe("runningScoreOf", () => {
  it("decays every behaviour entry to now", () => {
    const entries = [...fit, behaviour(10, day(0)), behaviour(4, day(30))];
    expect(runningScoreOf(entries, day(30), halfLife30)).toEqual({
      points: 9,
      at: day(30),
      halfLifeDays: 30,
    });
  });

  it("stops at the latest entry when it is later than now, so advancing later stays exact", () => {
    const entries = [behaviour(10, day(0)), behaviour(4, day(2))];
    const running = runningScoreOf(entries, day(1), halfLife30);
    expect(running.at).toEqual(day(2));
    const later = advanceRunningScore(running, [], day(40), halfLife30);
    expect(later && scoreFromRunning(later, [])).toBe(scoreOf(entries, day(40), halfLife30));
  });
});
