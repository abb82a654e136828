// Everything one worker process runs: the sequence worker, the email worker on its own task queue
// (so its rate can be bounded on its own) and the outbox dispatcher. Tests start it in-process.
import { Client } from "@temporalio/client";
import { NativeConnection, Worker, type WorkflowBundleWithSourceMap } from "@temporalio/worker";
import type { Transporter } from "nodemailer";
import type { Logger } from "pino";
import { createEnrollmentActivities } from "../activities/enrollment-activities.ts";
import { createSegmentSweepActivities } from "../activities/segments/segment-sweep-activities.ts";
import { createSendDecisionActivities } from "../activities/sending/send-decision-activity.ts";
import { createSequenceRunActivities } from "../activities/sequences/run-activities.ts";
import { createWebhookActivities } from "../activities/webhooks/send-webhook.ts";
import type { NurtureflowConfig } from "../domain/config.ts";
import { type ContactStore, openContactStore } from "../prisma/client.ts";
import { createEmailWorker } from "./email-worker.ts";
import { OutboxDispatcher } from "./outbox-dispatcher.ts";
import { ensureSearchAttributes } from "./search-attribute-check.ts";
import { ensureSegmentSweepSchedule } from "./segment-sweep-schedule.ts";
import { lazyTemporalClient } from "./temporal-client.ts";
import { temporalConnectionOptions } from "./temporal-connection.ts";
import { errorChain, errorSummary } from "./temporal-errors.ts";
import { loadWorkflowBundle } from "./workflow-bundle.ts";

export interface WorkerRuntimeOptions {
  config: NurtureflowConfig;
  store: ContactStore;
  logger: Logger;
  /** A bundle built earlier (tests share one); otherwise the build's prebuilt one, or bundled here. */
  workflowBundle?: WorkflowBundleWithSourceMap | { codePath: string };
  /** Run the outbox dispatcher in this process (default true). */
  dispatchOutbox?: boolean;
}

export interface WorkerRuntime {
  dispatcher: OutboxDispatcher;
  transport: Transporter;
  /** Settles when both workers have stopped. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

export async function startWorkerRuntime(options: WorkerRuntimeOptions): Promise<WorkerRuntime> {
  const { config, store, logger } = options;
  const temporalClient = lazyTemporalClient(config);
  // Before anything runs: without its search attributes no sequence run could start.
  await ensureSearchAttributes(await temporalClient.get(), config.temporalNamespace, logger).catch(
    async (error) => {
      await temporalClient.close();
      throw error;
    },
  );
  const connection = await NativeConnection.connect(
    temporalConnectionOptions(config.temporalAddress, config.temporalConnection),
  );
  const workflowBundle = options.workflowBundle ?? (await loadWorkflowBundle());
  const sequenceWorker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    workflowBundle,
    // The SDK sizes the cache from the heap limit, which `npm run worker` caps (384 MB of old space):
    // that would leave about 220 runs, fewer than a burst keeps in flight (BENCHMARKS.md, "Engine:
    // fifth round").
    maxCachedWorkflows: config.workerCachedRuns,
    activities: {
      ...createEnrollmentActivities(store),
      ...createSegmentSweepActivities(store),
      ...createSequenceRunActivities(store, config.sendingRules.defaultTimeZone),
      ...createWebhookActivities({ store, config }),
      ...createSendDecisionActivities({ store, config }),
    },
  });
  // Sends are the pipeline's narrowest part (as many at once as SMTP connections): their queries get
  // connections of their own rather than queueing behind the dispatcher's and the runs' store calls.
  const sendStore = openContactStore(config.databaseUrl, config.smtpMaxConnections + 1);
  const { worker: emailWorker, transport } = await createEmailWorker({
    connection,
    config,
    store: sendStore,
    logger,
  });

  const dispatcher = new OutboxDispatcher({
    store,
    client: temporalClient.get,
    eagerClient: new Client({ connection, namespace: config.temporalNamespace }),
    taskQueue: config.taskQueue,
    emailTaskQueue: config.emailTaskQueue,
    pollMs: config.outboxPollMs,
    listenUrl: config.databaseUrl,
    retry: { maxAttempts: config.outboxMaxAttempts, baseDelayMs: config.outboxRetryBaseMs },
    logger,
  });
  const done = Promise.all([sequenceWorker.run(), emailWorker.run()]).then(() => undefined);
  if (options.dispatchOutbox !== false) dispatcher.start();
  // The worker is connected, so Temporal is reachable; a failure here must not stop the worker.
  await temporalClient
    .get()
    .then((client) => ensureSegmentSweepSchedule(client, config.taskQueue, config.segmentSweepInterval))
    .catch((error) =>
      logger.warn({ err: errorChain(error) }, `segment sweep schedule not set up: ${errorSummary(error)}`),
    );
  logger.info({ taskQueue: config.taskQueue, emailTaskQueue: config.emailTaskQueue }, "workers running");

  return {
    dispatcher,
    transport,
    done,
    async shutdown() {
      await dispatcher.stop();
      for (const worker of [sequenceWorker, emailWorker]) {
        if (worker.getState() === "RUNNING") worker.shutdown();
      }
      await done;
      await temporalClient.close();
      await connection.close();
      transport.close();
      await sendStore.$disconnect();
    },
  };
}
