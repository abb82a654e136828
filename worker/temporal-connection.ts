// Connection options shared by the worker's native connection and the clients (dispatcher, API):
// the address, plus TLS material and an API key for Temporal Cloud or a remote cluster.
import { readFileSync } from "node:fs";
import type { TLSConfig } from "@temporalio/client";
import type {
  PemSource,
  TemporalConnectionSettings,
} from "../domain/temporal/temporal-connection-settings.ts";

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

function read(source: PemSource): Buffer {
  return "pem" in source ? Buffer.from(source.pem) : readFileSync(source.file);
}

/** Reads the certificate files once, at start: a missing file stops the process with its path. */
export function temporalConnectionOptions(
  address: string,
  settings: TemporalConnectionSettings,
): TemporalConnectionOptions {
  const { tls, apiKey } = settings;
  if (!tls) return { address };
  return {
    address,
    tls: {
      ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
      ...(tls.serverRootCa ? { serverRootCACertificate: read(tls.serverRootCa) } : {}),
      ...(tls.clientCertificate && tls.clientKey
        ? { clientCertPair: { crt: read(tls.clientCertificate), key: read(tls.clientKey) } }
        : {}),
    },
    ...(apiKey ? { apiKey } : {}),
  };
}
