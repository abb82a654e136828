// Issue 10: the dispatcher logged "DEADLINE_EXCEEDED: Deadline exceeded after 0.000s" on first
// attempts. Reproduced here with a real gRPC client and a Temporal address where nothing answers
// (connection refused is retryable): the SDK's retry interceptor kept starting attempts after the
// call's deadline had passed, so the last one failed at once with DEADLINE_EXCEEDED and the reason
// was lost. With the deadline-aware retry, the call ends with the reason itself, before its deadline.
import { Client, Connection, isGrpcServiceError } from "@temporalio/client";
import { describe, expect, test } from "vitest";
import { deadlineAwareRetryInterceptor } from "../../worker/deadline-aware-retry.ts";
import { freePort } from "../support/free-port.ts";

// gRPC status codes (grpc/status.proto).
const DEADLINE_EXCEEDED = 4;
const UNAVAILABLE = 14;

async function signalNowhere(interceptors?: ReturnType<typeof deadlineAwareRetryInterceptor>[]) {
  const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, interceptors });
  const client = new Client({ connection });
  try {
    await client.withDeadline(Date.now() + 2_000, () => client.workflow.getHandle("nowhere").signal("ping"));
    throw new Error("the signal went through");
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause ?? error;
    if (!isGrpcServiceError(cause)) throw error;
    return cause;
  } finally {
    await connection.close();
  }
}

describe("Temporal call deadline", () => {
  test("the SDK's default retries outlive the deadline and hide the reason", async () => {
    const failure = await signalNowhere();
    expect(failure.code).toBe(DEADLINE_EXCEEDED);
    expect(failure.details).toMatch(/after 0\.0\d\ds/);
  });

  test("deadline-aware retries stop in time and report the reason", async () => {
    const failure = await signalNowhere([deadlineAwareRetryInterceptor()]);
    expect(failure.code).toBe(UNAVAILABLE);
  });
});
