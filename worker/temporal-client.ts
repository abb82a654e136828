// A Temporal client that connects on first use and reconnects after a failure, so processes start
// (and keep accepting work into the outbox) while Temporal is unreachable.
import { Client, Connection } from "@temporalio/client";
import type { TemporalConnectionSettings } from "../domain/temporal/temporal-connection-settings.ts";
import { deadlineAwareRetryInterceptor } from "./deadline-aware-retry.ts";
import { temporalConnectionOptions } from "./temporal-connection.ts";

export interface TemporalTarget {
  temporalAddress: string;
  temporalNamespace: string;
  temporalConnection: TemporalConnectionSettings;
}

export function lazyTemporalClient(target: TemporalTarget): {
  get: () => Promise<Client>;
  close: () => Promise<void>;
} {
  let pending: Promise<Client> | null = null;
  let connection: Connection | null = null;
  return {
    get() {
      pending ??= Connection.connect({
        ...temporalConnectionOptions(target.temporalAddress, target.temporalConnection),
        connectTimeout: "3 seconds",
        interceptors: [deadlineAwareRetryInterceptor()],
      }).then(
        (opened) => {
          connection = opened;
          return new Client({ connection: opened, namespace: target.temporalNamespace });
        },
        (error) => {
          pending = null;
          throw error;
        },
      );
      return pending;
    },
    async close() {
      await connection?.close();
      connection = null;
      pending = null;
    },
  };
}
