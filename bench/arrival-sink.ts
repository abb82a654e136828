// An SMTP sink for benchmarks: accepts everything, keeps nothing but when each recipient's first
// message arrived, so every measurement pays the same, minimal, sink cost.
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ArrivalSink {
  url: string;
  /** performance.now() of each recipient's first accepted message. */
  arrivals: Map<string, number>;
  waitForArrivals(count: number, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startArrivalSink(): Promise<ArrivalSink> {
  const arrivals = new Map<string, number>();
  let waiter: { count: number; resolve: () => void } | null = null;
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    closeTimeout: 1_000,
    onData(stream, session, callback) {
      stream.on("end", () => {
        const at = performance.now();
        for (const { address } of session.envelope.rcptTo)
          if (!arrivals.has(address)) arrivals.set(address, at);
        if (waiter && arrivals.size >= waiter.count) waiter.resolve();
        callback();
      });
      stream.resume();
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // The server re-emits every connection's error: a worker stopped mid-session resets its connections.
  server.on("error", () => {});
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    arrivals,
    waitForArrivals(count, timeoutMs) {
      if (arrivals.size >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${arrivals.size} of ${count} emails arrived within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            waiter = null;
            resolve();
          },
        };
      });
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
