// Issue 8: a worker pointed at a namespace without Nurtureflow's search attributes retried every outbox
// row forever, logging only "Failed to signalWithStart Workflow". This file runs its own Temporal dev
// server started WITHOUT the attributes: the worker registers them at start and the welcome email goes
// out; a namespace that refuses more attributes (the SQL visibility store's 10-Keyword limit, filled
// beforehand) stops the worker with a message naming each missing attribute and how to register it.
import { Client, Connection } from "@temporalio/client";
import { msToTs } from "@temporalio/common";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import { type DevServer, startTemporalDevServer } from "../../scripts/temporal-dev-server.ts";
import { ensureSearchAttributes, SearchAttributesMissingError } from "../../worker/search-attribute-check.ts";
import { errorSummary } from "../../worker/temporal-errors.ts";
import { SEARCH_ATTRIBUTE_DEFINITIONS } from "../../workflows/search-attributes.ts";
import { builtIn } from "../support/built-in.ts";
import { freePort } from "../support/free-port.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";

let server: DevServer;
let sink: SmtpSink;
let stack: TestStack;
let temporal: Client;
const logger = pino({ level: "silent" });

beforeAll(async () => {
  server = await startTemporalDevServer({
    cli: inject("temporalCli"),
    port: await freePort(),
    searchAttributes: false,
  });
  temporal = new Client({ connection: await Connection.connect({ address: server.address }) });
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url, env: { TEMPORAL_ADDRESS: server.address } });
  await publishSequenceVersion(stack.store, "welcome", builtIn("welcome"));
});

afterAll(async () => {
  await stack?.stop();
  await temporal?.connection.close();
  await server?.stop();
  await sink?.stop();
});

async function customAttributes(namespace: string): Promise<Record<string, unknown>> {
  const listed = await temporal.connection.operatorService.listSearchAttributes({ namespace });
  return listed.customAttributes ?? {};
}

describe("search attributes at worker start", () => {
  test("missing ones are registered, and the welcome email goes out", async () => {
    const before = await customAttributes("default");
    for (const { name } of SEARCH_ATTRIBUTE_DEFINITIONS) expect(before[name]).toBeUndefined();

    await stack.startWorker();
    const after = await customAttributes("default");
    for (const { name } of SEARCH_ATTRIBUTE_DEFINITIONS) expect(after[name], name).toBeDefined();

    const created = await api(stack, "POST", "/v1/contacts", {
      email: "sam@example.com",
      name: "Sam",
      marketingConsent: true,
    });
    await api(stack, "PUT", `/v1/contacts/${created.body.id}/stage`, { stage: "lead" });
    const message = await sink.waitForMessage((m) => m.envelope.to.includes("sam@example.com"), 30_000);
    expect(message.subject).toMatch(/welcome/i);
  });

  test("a namespace that refuses them stops the worker, naming each one and how to register it", async () => {
    const namespace = "full";
    await temporal.connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs("1 day"),
    });
    // Fill the visibility store's Keyword slots, so the server refuses our attributes.
    const fillers: Record<string, number> = {};
    for (let index = 0; index < 10; index += 1) fillers[`Filler${index}`] = 2;
    await temporal.connection.operatorService.addSearchAttributes({ namespace, searchAttributes: fillers });

    const error = await ensureSearchAttributes(temporal, namespace, logger).then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(SearchAttributesMissingError);
    const message = errorSummary(error);
    for (const { name, cliType } of SEARCH_ATTRIBUTE_DEFINITIONS) {
      expect(message).toContain(
        `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${cliType}`,
      );
      expect(message).toContain(`tcld namespace search-attributes add --namespace ${namespace}`);
    }
    // The server's own reason is kept.
    expect(message).toMatch(/registering them automatically failed: .+/);
    const after = await customAttributes(namespace);
    expect(after.NfContactId).toBeUndefined();
  });
});
