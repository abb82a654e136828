// How processes reach Temporal beyond the local dev server: Temporal Cloud or any remote cluster,
// with mutual TLS (client certificate and key) or an API key. Pure: parsed from the environment.

/** A PEM given inline (one line with "\n" escapes works) or the path of a file read at start. */
export type PemSource = { pem: string } | { file: string };

export interface TemporalTlsSettings {
  /** Client certificate and key for mutual TLS; both or neither. */
  clientCertificate: PemSource | null;
  clientKey: PemSource | null;
  /** Root CA of the server when it is not publicly trusted (self-hosted clusters). */
  serverRootCa: PemSource | null;
  /** Overrides the name checked against the server certificate. */
  serverName: string | null;
}

export interface TemporalConnectionSettings {
  /** null: plain TCP, as the local dev server expects. */
  tls: TemporalTlsSettings | null;
  /** Temporal Cloud API key; always sent over TLS. */
  apiKey: string | null;
}

export class TemporalSettingsError extends Error {}

type Env = Record<string, string | undefined>;

function pem(env: Env, name: string): PemSource | null {
  const inline = env[name]?.trim();
  const file = env[`${name}_FILE`]?.trim();
  if (inline && file) throw new TemporalSettingsError(`set ${name} or ${name}_FILE, not both`);
  if (inline) return { pem: inline.replace(/\\n/g, "\n") };
  return file ? { file } : null;
}

export function temporalConnectionSettings(env: Env): TemporalConnectionSettings {
  const clientCertificate = pem(env, "TEMPORAL_TLS_CERT");
  const clientKey = pem(env, "TEMPORAL_TLS_KEY");
  const serverRootCa = pem(env, "TEMPORAL_TLS_CA");
  const serverName = env.TEMPORAL_TLS_SERVER_NAME?.trim() || null;
  const apiKey = env.TEMPORAL_API_KEY?.trim() || null;
  const tlsSwitch = env.TEMPORAL_TLS?.trim().toLowerCase();
  if (tlsSwitch && tlsSwitch !== "on" && tlsSwitch !== "off") {
    throw new TemporalSettingsError("TEMPORAL_TLS must be on or off");
  }
  if (Boolean(clientCertificate) !== Boolean(clientKey)) {
    throw new TemporalSettingsError(
      "mutual TLS needs TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY together (or their _FILE variants)",
    );
  }
  const wantsTls = tlsSwitch === "on" || clientCertificate || serverRootCa || serverName || apiKey;
  if (tlsSwitch === "off" && (clientCertificate || apiKey)) {
    throw new TemporalSettingsError("TEMPORAL_TLS=off contradicts a client certificate or TEMPORAL_API_KEY");
  }
  return {
    tls: wantsTls ? { clientCertificate, clientKey, serverRootCa, serverName } : null,
    apiKey,
  };
}
