import { describe, expect, it } from "vitest";
import { BUILT_IN_SEQUENCES } from "../../../../domain/sequences/built-in-sequences.ts";
import { eventTypesSequencesUse } from "../../../../domain/sequences/triggers.ts";

describe("eventTypesSequencesUse", () => {
  it("collects the event types of triggers and goals, nothing else", () => {
    const types = eventTypesSequencesUse(Object.values(BUILT_IN_SEQUENCES));
    expect(types).toEqual(expect.any(Set));
    for (const type of ["cart_abandoned", "order_placed", "email_clicked"]) {
      expect(types.has(type)).toBe(true);
    }
    expect(types.has("page_view")).toBe(false);
  });

  it("is empty without event triggers or goals", () => {
    expect(eventTypesSequencesUse([])).toEqual(new Set());
  });
});
