import { describe, expect, test } from "vitest";
import { TokenBuckets } from "../../../domain/access/token-bucket.ts";

describe("TokenBuckets", () => {
  test("a key gets its burst, then one token per 1/rate seconds; other keys are separate", () => {
    const buckets = new TokenBuckets({ perSecond: 2, burst: 3 });
    for (let n = 0; n < 3; n++) expect(buckets.take("a", 0).allowed).toBe(true);
    expect(buckets.take("a", 0)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(buckets.take("b", 0).allowed).toBe(true);
    expect(buckets.take("a", 499).allowed).toBe(false);
    expect(buckets.take("a", 500).allowed).toBe(true);
    // Refill stops at the burst.
    for (let n = 0; n < 3; n++) expect(buckets.take("a", 60_000).allowed).toBe(true);
    expect(buckets.take("a", 60_000).allowed).toBe(false);
  });

  test("Retry-After rounds up to whole seconds at slow rates", () => {
    const buckets = new TokenBuckets({ perSecond: 0.1, burst: 1 });
    expect(buckets.take("a", 0).allowed).toBe(true);
    expect(buckets.take("a", 0)).toEqual({ allowed: false, retryAfterSeconds: 10 });
  });
});
