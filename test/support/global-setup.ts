// Once per test run: a real Temporal dev server, a migrated template database, one workflow bundle.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { ensureTemporalCli } from "../../scripts/temporal-cli.ts";
import { type DevServer, startTemporalDevServer } from "../../scripts/temporal-dev-server.ts";
import { bundleWorkflows } from "../../worker/workflow-bundle.ts";
import { freePort } from "./free-port.ts";
import {
  databaseUrl,
  dropAbandonedTestDatabases,
  dropDatabases,
  TEST_DATABASE_PREFIX,
  withAdmin,
} from "./postgres.ts";

declare module "vitest" {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCli: string;
    templateDatabase: string;
    workflowBundlePath: string;
  }
}

let server: DevServer | null = null;
let scratch: string | null = null;
const runPrefix = `${TEST_DATABASE_PREFIX}${process.pid}_`;

export async function setup(project: TestProject): Promise<void> {
  // Installs the CLI on a fresh machine (go install), so `npm test` needs no earlier step.
  const cli = await ensureTemporalCli((line) => console.log(`[test setup] ${line}`));
  scratch = mkdtempSync(join(tmpdir(), "nurtureflow-test-"));

  const [bundle, port] = await Promise.all([bundleWorkflows(), freePort()]);
  const workflowBundlePath = join(scratch, "workflow-bundle.js");
  writeFileSync(workflowBundlePath, bundle.code);

  await dropAbandonedTestDatabases();
  const template = `${runPrefix}template`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${template}"`));
  const migrate = spawnSync("npx", ["prisma", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: databaseUrl(template) },
    encoding: "utf8",
  });
  if (migrate.status !== 0)
    throw new Error(`prisma migrate deploy failed:\n${migrate.stdout}\n${migrate.stderr}`);

  server = await startTemporalDevServer({ cli, port, logFile: join(scratch, "temporal.log") });
  project.provide("temporalAddress", server.address);
  project.provide("temporalCli", cli);
  project.provide("templateDatabase", template);
  project.provide("workflowBundlePath", workflowBundlePath);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  await dropDatabases(runPrefix);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
