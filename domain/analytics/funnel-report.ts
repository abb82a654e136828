// The lifecycle funnel from aggregated stage visits. A visit is one entry into a stage; it ends with
// the contact's next stage change. A visit converts when that change goes to a higher stage (skipping
// stages counts: a lead who jumps to SQL converted out of lead) and falls back when it goes lower. A
// contact who falls back and comes forward again has two visits and can convert twice; both count,
// and `contactsConverted` counts the people once.
import { LIFECYCLE_STAGES, type LifecycleStage } from "../lifecycle/stages.ts";
import { rate } from "./rates.ts";

export interface StageNowRow {
  stage: string;
  current: number;
  highest: number;
}

export interface StageVisitRow {
  stage: string;
  entries: number;
  backwardEntries: number;
  converted: number;
  contactsConverted: number;
  fellBack: number;
  medianSecondsToConvert: number | null;
}

export interface BackwardMoveRow {
  from: string;
  to: string;
  moves: number;
}

export interface StageBucketRow {
  bucket: string;
  stage: string;
  entries: number;
  converted: number;
}

export interface FunnelReport {
  stages: Array<{
    stage: LifecycleStage;
    contactsNow: number;
    highestReachedNow: number;
    /** Contacts whose highest stage is this one or later. */
    reachedAtLeastNow: number;
    entries: { total: number; forward: number; backward: number };
  }>;
  conversions: Array<{
    from: LifecycleStage;
    to: LifecycleStage;
    entered: number;
    converted: number;
    contactsConverted: number;
    conversionRate: number | null;
    fellBack: number;
    stillInStage: number;
    medianHoursToConvert: number | null;
  }>;
  backwardMoves: { total: number; moves: BackwardMoveRow[] };
  overTime: {
    buckets: string[];
    series: Array<{
      from: LifecycleStage;
      to: LifecycleStage;
      entered: number[];
      converted: number[];
      conversionRate: Array<number | null>;
    }>;
  };
}

const byStage = <Row extends { stage: string }>(rows: readonly Row[]) =>
  new Map(rows.map((row) => [row.stage, row]));

export function funnelReport(input: {
  now: readonly StageNowRow[];
  visits: readonly StageVisitRow[];
  backward: readonly BackwardMoveRow[];
  overTime: readonly StageBucketRow[];
  buckets: readonly string[];
}): FunnelReport {
  const now = byStage(input.now);
  const visits = byStage(input.visits);
  let reached = 0;
  const reachedAtLeast = new Map<string, number>();
  for (const stage of [...LIFECYCLE_STAGES].reverse()) {
    reached += now.get(stage)?.highest ?? 0;
    reachedAtLeast.set(stage, reached);
  }
  const stages = LIFECYCLE_STAGES.map((stage) => {
    const visit = visits.get(stage);
    const total = visit?.entries ?? 0;
    const backward = visit?.backwardEntries ?? 0;
    return {
      stage,
      contactsNow: now.get(stage)?.current ?? 0,
      highestReachedNow: now.get(stage)?.highest ?? 0,
      reachedAtLeastNow: reachedAtLeast.get(stage) ?? 0,
      entries: { total, forward: total - backward, backward },
    };
  });
  const pairs = LIFECYCLE_STAGES.slice(0, -1).map((from, index) => ({
    from,
    to: LIFECYCLE_STAGES[index + 1] as LifecycleStage,
  }));
  const conversions = pairs.map(({ from, to }) => {
    const visit = visits.get(from);
    const entered = visit?.entries ?? 0;
    const converted = visit?.converted ?? 0;
    const fellBack = visit?.fellBack ?? 0;
    const median = visit?.medianSecondsToConvert ?? null;
    return {
      from,
      to,
      entered,
      converted,
      contactsConverted: visit?.contactsConverted ?? 0,
      conversionRate: rate(converted, entered),
      fellBack,
      stillInStage: entered - converted - fellBack,
      medianHoursToConvert: median === null ? null : Math.round((median / 3600) * 100) / 100,
    };
  });
  const cells = new Map(input.overTime.map((row) => [`${row.bucket}|${row.stage}`, row]));
  const series = pairs.map(({ from, to }) => {
    const entered = input.buckets.map((bucket) => cells.get(`${bucket}|${from}`)?.entries ?? 0);
    const converted = input.buckets.map((bucket) => cells.get(`${bucket}|${from}`)?.converted ?? 0);
    return {
      from,
      to,
      entered,
      converted,
      conversionRate: entered.map((count, index) => rate(converted[index] ?? 0, count)),
    };
  });
  // The most frequent first; the order of the rows the store returned is not part of the report.
  const moves = input.backward
    .filter((row) => row.moves > 0)
    .sort((a, b) => b.moves - a.moves || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  return {
    stages,
    conversions,
    backwardMoves: { total: moves.reduce((sum, row) => sum + row.moves, 0), moves },
    overTime: { buckets: [...input.buckets], series },
  };
}
