import { describe, expect, it } from "vitest";
import {
  capsAllowAt,
  formatFrequencyCaps,
  parseFrequencyCaps,
} from "../../../../domain/sending/frequency-cap.ts";

const at = (iso: string) => new Date(iso);

describe("parseFrequencyCaps", () => {
  it("reads caps and off", () => {
    expect(parseFrequencyCaps("2/1d,5/7d")).toEqual({
      ok: true,
      value: [
        { limit: 2, window: "1d" },
        { limit: 5, window: "7d" },
      ],
    });
    expect(parseFrequencyCaps(" 1 / 12h , 3/1w ")).toEqual({
      ok: true,
      value: [
        { limit: 1, window: "12h" },
        { limit: 3, window: "1w" },
      ],
    });
    expect(parseFrequencyCaps("off")).toEqual({ ok: true, value: [] });
  });

  it("refuses malformed caps, naming the part", () => {
    for (const text of ["2", "2/", "/1d", "0/1d", "2/1y", "2/0d", "-1/1d", "2/1d,", "two/1d", ""]) {
      const parsed = parseFrequencyCaps(text);
      expect(parsed.ok, text).toBe(false);
      if (!parsed.ok) expect(parsed.error).toContain("frequency cap");
    }
  });

  it("formats back to the same text", () => {
    const parsed = parseFrequencyCaps("2/1d,5/7d");
    expect(parsed.ok && formatFrequencyCaps(parsed.value)).toBe("2/1d,5/7d");
    expect(formatFrequencyCaps([])).toBe("off");
  });
});

describe("capsAllowAt", () => {
  const now = at("2026-12-04T12:00:00Z");
  const daily = { limit: 2, window: "1d" };
  const weekly = { limit: 5, window: "7d" };

  it("has room while fewer sends than the limit are in the window", () => {
    expect(capsAllowAt(now, [], [daily])).toEqual({ at: now, cap: null });
    expect(capsAllowAt(now, [at("2026-12-04T09:00:00Z")], [daily])).toEqual({ at: now, cap: null });
    // A send exactly one window ago has left it.
    expect(capsAllowAt(now, [at("2026-12-03T12:00:00Z"), at("2026-12-04T09:00:00Z")], [daily])).toEqual({
      at: now,
      cap: null,
    });
  });

  it("waits until the oldest send that fills the cap leaves the window", () => {
    const sends = [at("2026-12-04T08:00:00Z"), at("2026-12-04T10:00:00Z"), at("2026-12-02T10:00:00Z")];
    expect(capsAllowAt(now, sends, [daily])).toEqual({ at: at("2026-12-05T08:00:00Z"), cap: daily });
  });

  it("takes the latest of several caps", () => {
    const sends = [
      "2026-11-28T10:00:00Z",
      "2026-11-30T10:00:00Z",
      "2026-12-01T10:00:00Z",
      "2026-12-02T10:00:00Z",
    ]
      .concat("2026-12-03T10:00:00Z")
      .map(at);
    // Daily has room (one send in the last 24 h); weekly is full until the 28th's send is 7 days old.
    expect(capsAllowAt(now, sends, [daily, weekly])).toEqual({ at: at("2026-12-05T10:00:00Z"), cap: weekly });
  });

  it("counts a reservation stamped slightly in the future", () => {
    expect(capsAllowAt(now, [at("2026-12-04T12:00:01Z")], [{ limit: 1, window: "1h" }])).toEqual({
      at: at("2026-12-04T13:00:01Z"),
      cap: { limit: 1, window: "1h" },
    });
  });
});
