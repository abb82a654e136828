import { describe, expect, it } from "vitest";
import {
  DEFAULT_SENDING_RULES_TEXT,
  formatSendingRules,
  parseSendingRules,
} from "../../../../domain/sending/sending-rules.ts";

describe("parseSendingRules", () => {
  it("reads the defaults as no cap, no quiet hours, UTC", () => {
    expect(parseSendingRules(DEFAULT_SENDING_RULES_TEXT)).toEqual({
      ok: true,
      value: { frequencyCaps: [], quietHours: null, defaultTimeZone: "UTC" },
    });
  });

  it("reads rules and writes them back the same", () => {
    const text = { frequencyCap: "2/1d,5/7d", quietHours: "21:00-08:00", defaultTimeZone: "Europe/Rome" };
    const parsed = parseSendingRules(text);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(formatSendingRules(parsed.value)).toEqual(text);
  });

  it("names every faulty field", () => {
    const parsed = parseSendingRules({
      frequencyCap: "2",
      quietHours: "late",
      defaultTimeZone: "Mars/Olympus",
    });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.errors.map((error) => error.field)).toEqual([
        "frequencyCap",
        "quietHours",
        "defaultTimeZone",
      ]);
    }
  });
});
