import { describe, expect, test } from "vitest";
import { ConfigError, parseConfig } from "../../../domain/config.ts";

describe("parseConfig", () => {
  test("defaults serve local use", () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      temporalAddress: "127.0.0.1:7233",
      temporalNamespace: "default",
      smtpUrl: "smtp://127.0.0.1:1025",
      port: 3000,
      publicUrl: "http://127.0.0.1:3000",
      apiKeys: [],
      emailRateLimitPerSecond: null,
      workerCachedRuns: 1000,
    });
  });

  test("reads the environment contract", () => {
    const config = parseConfig({
      PORT: "8080",
      PUBLIC_URL: "https://mail.example.com/",
      API_KEYS: " k1, k2 ,,",
      EMAIL_RATE_LIMIT_PER_SECOND: "14",
    });
    expect(config).toMatchObject({
      port: 8080,
      publicUrl: "https://mail.example.com",
      apiKeys: ["k1", "k2"],
      emailRateLimitPerSecond: 14,
    });
  });

  test("the worker's cache of runs is bounded by WORKER_CACHED_RUNS, at least 2", () => {
    expect(parseConfig({ WORKER_CACHED_RUNS: "250" }).workerCachedRuns).toBe(250);
    expect(() => parseConfig({ WORKER_CACHED_RUNS: "1" })).toThrow(/WORKER_CACHED_RUNS/);
  });

  test("a malformed number is a clear error", () => {
    expect(() => parseConfig({ PORT: "eighty" })).toThrow(ConfigError);
    expect(() => parseConfig({ PORT: "eighty" })).toThrow(/PORT/);
  });
});
