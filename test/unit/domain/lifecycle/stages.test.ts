import { describe, expect, it } from "vitest";
import {
  higherStage,
  isLifecycleStage,
  stageDirection,
  stageRank,
} from "../../../../domain/lifecycle/stages.ts";

describe("lifecycle stages", () => {
  it("orders the funnel from subscriber to evangelist", () => {
    expect(stageRank("subscriber")).toBe(0);
    expect(stageRank("mql")).toBeLessThan(stageRank("sql"));
    expect(stageRank("evangelist")).toBe(6);
  });

  it("compares stages", () => {
    expect(higherStage("lead", "customer")).toBe("customer");
    expect(higherStage("customer", "lead")).toBe("customer");
    expect(stageDirection("lead", "mql")).toBe("forward");
    expect(stageDirection("mql", "lead")).toBe("backward");
    expect(stageDirection("sql", "sql")).toBe("none");
  });

  it("recognises stage names", () => {
    expect(isLifecycleStage("opportunity")).toBe(true);
    expect(isLifecycleStage("prospect")).toBe(false);
  });
});
