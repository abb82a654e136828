import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  TemporalSettingsError,
  temporalConnectionSettings,
} from "../../../../domain/temporal/temporal-connection-settings.ts";
import { temporalConnectionOptions } from "../../../../worker/temporal-connection.ts";

describe("Temporal connection settings", () => {
  test("plain TCP to the local dev server by default", () => {
    expect(temporalConnectionSettings({})).toEqual({ tls: null, apiKey: null });
    expect(temporalConnectionOptions("127.0.0.1:7233", temporalConnectionSettings({}))).toEqual({
      address: "127.0.0.1:7233",
    });
  });

  test("Temporal Cloud with an API key goes over TLS with the system's roots", () => {
    const settings = temporalConnectionSettings({ TEMPORAL_API_KEY: "secret-key" });
    expect(settings.tls).toEqual({
      clientCertificate: null,
      clientKey: null,
      serverRootCa: null,
      serverName: null,
    });
    expect(temporalConnectionOptions("ns.acct.tmprl.cloud:7233", settings)).toEqual({
      address: "ns.acct.tmprl.cloud:7233",
      tls: {},
      apiKey: "secret-key",
    });
  });

  test("mutual TLS from files, read at start, with a server name override and a CA", () => {
    const dir = mkdtempSync(join(tmpdir(), "nf-tls-"));
    for (const name of ["client.pem", "client.key", "ca.pem"])
      writeFileSync(join(dir, name), `${name} contents`);
    const settings = temporalConnectionSettings({
      TEMPORAL_TLS_CERT_FILE: join(dir, "client.pem"),
      TEMPORAL_TLS_KEY_FILE: join(dir, "client.key"),
      TEMPORAL_TLS_CA_FILE: join(dir, "ca.pem"),
      TEMPORAL_TLS_SERVER_NAME: "temporal.internal",
    });
    const options = temporalConnectionOptions("temporal.internal:7233", settings);
    expect(options.tls?.serverNameOverride).toBe("temporal.internal");
    expect(options.tls?.serverRootCACertificate?.toString()).toBe("ca.pem contents");
    expect(options.tls?.clientCertPair?.crt.toString()).toBe("client.pem contents");
    expect(options.tls?.clientCertPair?.key.toString()).toBe("client.key contents");
  });

  test("inline PEMs with \\n escapes become real line breaks", () => {
    const settings = temporalConnectionSettings({
      TEMPORAL_TLS_CERT: "-----BEGIN CERTIFICATE-----\\nAAA\\n-----END CERTIFICATE-----",
      TEMPORAL_TLS_KEY: "-----BEGIN PRIVATE KEY-----\\nBBB\\n-----END PRIVATE KEY-----",
    });
    expect(settings.tls?.clientCertificate).toEqual({
      pem: "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----",
    });
  });

  test("half a key pair, two sources of one PEM, or contradictions are refused by name", () => {
    expect(() => temporalConnectionSettings({ TEMPORAL_TLS_CERT: "x" })).toThrow(/TEMPORAL_TLS_KEY/);
    expect(() => temporalConnectionSettings({ TEMPORAL_TLS_CA: "x", TEMPORAL_TLS_CA_FILE: "y" })).toThrow(
      /TEMPORAL_TLS_CA or TEMPORAL_TLS_CA_FILE/,
    );
    expect(() => temporalConnectionSettings({ TEMPORAL_TLS: "off", TEMPORAL_API_KEY: "k" })).toThrow(
      TemporalSettingsError,
    );
    expect(() => temporalConnectionSettings({ TEMPORAL_TLS: "yes" })).toThrow(
      /TEMPORAL_TLS must be on or off/,
    );
  });

  test("a missing certificate file stops the process naming the path", () => {
    const settings = temporalConnectionSettings({
      TEMPORAL_TLS_CERT_FILE: "/nonexistent/client.pem",
      TEMPORAL_TLS_KEY_FILE: "/nonexistent/client.key",
    });
    expect(() => temporalConnectionOptions("x:7233", settings)).toThrow(/\/nonexistent\/client\.pem/);
  });
});
