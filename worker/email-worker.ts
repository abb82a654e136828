// The email worker: sequence sends on their own task queue, at most as many at once as the SMTP pool
// has connections, so no send waits in nodemailer's queue while its activity's timeout runs (a send
// that waited there could outlive its attempt and go out while the retry sends it again).
import { type NativeConnection, Worker } from "@temporalio/worker";
import type { Logger } from "pino";
import { loadDkimKey } from "../activities/email/dkim-key.ts";
import { currentSendAttempt } from "../activities/email/send-attempt.ts";
import { createSequenceEmailActivities } from "../activities/email/sequence-email-activities.ts";
import { createSmtpHealth } from "../activities/email/smtp-health.ts";
import { createSmtpTransport } from "../activities/email/smtp-transport.ts";
import { createTemplateCatalog } from "../activities/email/template-catalog.ts";
import { createUnsubscribeLinks } from "../activities/email/unsubscribe-links.ts";
import { createSendDecisionActivities } from "../activities/sending/send-decision-activity.ts";
import { createTrackingLinks } from "../activities/tracking/tracking-links.ts";
import type { NurtureflowConfig } from "../domain/config.ts";
import type { ContactStore } from "../prisma/client.ts";

export async function createEmailWorker(options: {
  connection: NativeConnection;
  config: NurtureflowConfig;
  store: ContactStore;
  logger: Logger;
}) {
  const { connection, config, store, logger } = options;
  const transport = createSmtpTransport({
    smtpUrl: config.smtpUrl,
    pool: true,
    maxConnections: config.smtpMaxConnections,
    rateLimitPerSecond: config.emailRateLimitPerSecond ?? undefined,
    dkim: config.dkim ? await loadDkimKey(config.dkim) : undefined,
  });
  const worker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.emailTaskQueue,
    maxConcurrentActivityTaskExecutions: config.smtpMaxConnections,
    // On SIGTERM a send already talking to SMTP finishes instead of being cancelled mid-message
    // (docker-compose gives the worker 60 s before it kills it).
    shutdownGraceTime: "30 seconds",
    activities: createSequenceEmailActivities({
      store,
      transport,
      templates: createTemplateCatalog(store),
      unsubscribeLinks: createUnsubscribeLinks(config.publicUrl, config.linkSigningSecret),
      tracking: config.emailTracking ? createTrackingLinks(config.publicUrl, config.linkSigningSecret) : null,
      attempt: currentSendAttempt,
      health: createSmtpHealth(store, logger),
      applySendingRules: createSendDecisionActivities({ store, config }).applySendingRules,
      mailFrom: config.mailFrom,
      senderPostalAddress: config.senderPostalAddress,
      erasureHashSecret: config.erasureHashSecret,
      logger,
    }),
    ...(config.emailRateLimitPerSecond
      ? { maxTaskQueueActivitiesPerSecond: config.emailRateLimitPerSecond }
      : {}),
  });
  return { worker, transport };
}
