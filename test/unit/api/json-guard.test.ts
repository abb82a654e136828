import { describe, expect, test } from "vitest";
import { MAX_JSON_DEPTH, unsafeJson } from "../../../api/json-guard.ts";

const nested = (depth: number): unknown => (depth === 0 ? "leaf" : { a: nested(depth - 1) });

describe("unsafeJson", () => {
  test("accepts ordinary JSON, emoji (paired surrogates) included", () => {
    expect(
      unsafeJson({ name: "Zoë 🎉", tags: ["a", 1, null, true], deep: nested(MAX_JSON_DEPTH - 1) }),
    ).toBeNull();
  });

  test("names the field holding a NUL character or a lone surrogate", () => {
    expect(unsafeJson({ name: "a\u0000b" })).toMatchObject({ field: "name" });
    expect(unsafeJson({ properties: { x: ["ok", "\uD800"] } })).toMatchObject({ field: "properties.x.1" });
    expect(unsafeJson({ x: "\uDC00 trailing" })).toMatchObject({ field: "x" });
    expect(unsafeJson({ "bad\u0000key": 1 })).toMatchObject({ field: "bad\u0000key" });
  });

  test("refuses nesting deeper than the limit", () => {
    expect(unsafeJson(nested(MAX_JSON_DEPTH + 1))?.message).toMatch(/deeper/);
  });
});
