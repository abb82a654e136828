import { describe, expect, it } from "vitest";
import {
  BEHAVIOURAL_SEGMENTS,
  isBehaviouralSegment,
  receivesMarketing,
  segmentTransition,
} from "../../../../domain/segments/segments.ts";

describe("behavioural segments", () => {
  it("lists the nine segments", () => {
    expect(BEHAVIOURAL_SEGMENTS).toEqual([
      "ghost",
      "new",
      "lead",
      "waiting",
      "at_risk",
      "lost",
      "occasional",
      "repeat",
      "hero",
    ]);
  });

  it("recognises segment names", () => {
    expect(isBehaviouralSegment("at_risk")).toBe(true);
    expect(isBehaviouralSegment("churned")).toBe(false);
  });
});

describe("segmentTransition", () => {
  it("is null when the segment stays", () => {
    expect(segmentTransition("repeat", "repeat")).toBeNull();
  });

  it("describes a change", () => {
    expect(segmentTransition("repeat", "at_risk")).toEqual({ from: "repeat", to: "at_risk" });
  });

  it("treats a first classification as a change from nothing", () => {
    expect(segmentTransition(null, "ghost")).toEqual({ from: null, to: "ghost" });
  });
});

describe("receivesMarketing", () => {
  it("is false only for the lost and the unreachable", () => {
    expect(BEHAVIOURAL_SEGMENTS.filter((segment) => !receivesMarketing(segment))).toEqual(["ghost", "lost"]);
  });
});
