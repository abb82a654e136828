import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../../domain/config.ts";

describe("SEGMENT_SWEEP_INTERVAL", () => {
  it("defaults to 15 minutes", () => {
    expect(parseConfig({}).segmentSweepInterval).toBe("15m");
  });

  it("accepts a duration, and off to remove the schedule", () => {
    expect(parseConfig({ SEGMENT_SWEEP_INTERVAL: "1h" }).segmentSweepInterval).toBe("1h");
    expect(parseConfig({ SEGMENT_SWEEP_INTERVAL: "off" }).segmentSweepInterval).toBeNull();
  });

  it("rejects anything else", () => {
    expect(() => parseConfig({ SEGMENT_SWEEP_INTERVAL: "often" })).toThrow(ConfigError);
  });
});
