import { describe, expect, test } from "vitest";
import { ConfigError, parseConfig } from "../../../domain/config.ts";

describe("sending rules and webhook configuration", () => {
  test("caps and quiet hours are off and the fallback zone is UTC by default", () => {
    const config = parseConfig({});
    expect(config.sendingRules).toEqual({ frequencyCaps: [], quietHours: null, defaultTimeZone: "UTC" });
    expect(config.webhookAllowedHosts).toEqual([]);
    expect(config.webhookSigningSecret).not.toBe("");
  });

  test("reads FREQUENCY_CAP, QUIET_HOURS, DEFAULT_TIME_ZONE and the webhook variables", () => {
    const config = parseConfig({
      FREQUENCY_CAP: "2/1d,5/7d",
      QUIET_HOURS: "21:00-08:00",
      DEFAULT_TIME_ZONE: "Europe/Rome",
      WEBHOOK_ALLOWED_HOSTS: " 127.0.0.1:4000, CRM.internal ,,",
      WEBHOOK_SIGNING_SECRET: "s3cret",
    });
    expect(config.sendingRules).toEqual({
      frequencyCaps: [
        { limit: 2, window: "1d" },
        { limit: 5, window: "7d" },
      ],
      quietHours: { start: "21:00", end: "08:00" },
      defaultTimeZone: "Europe/Rome",
    });
    expect(config.webhookAllowedHosts).toEqual(["127.0.0.1:4000", "crm.internal"]);
    expect(config.webhookSigningSecret).toBe("s3cret");
  });

  test("a malformed rule names its variable", () => {
    expect(() => parseConfig({ FREQUENCY_CAP: "lots" })).toThrow(ConfigError);
    expect(() => parseConfig({ FREQUENCY_CAP: "lots" })).toThrow(/FREQUENCY_CAP/);
    expect(() => parseConfig({ QUIET_HOURS: "night" })).toThrow(/QUIET_HOURS/);
    expect(() => parseConfig({ DEFAULT_TIME_ZONE: "Mars/Olympus" })).toThrow(/DEFAULT_TIME_ZONE/);
  });
});
