// The HTTP API: express + zod, JSON in and out, problem+json errors.
import type { Client } from "@temporalio/client";
import express, { type NextFunction, type Request, type Response } from "express";
import type { Logger } from "pino";
import { createUnsubscribeLinks } from "../activities/email/unsubscribe-links.ts";
import { createTrackingLinks } from "../activities/tracking/tracking-links.ts";
import type { NurtureflowConfig } from "../domain/config.ts";
import type { ContactStore } from "../prisma/client.ts";
import { createAccessControl } from "./auth/authorize.ts";
import { dashboardRoutes } from "./dashboard/dashboard-routes.ts";
import { isDatabaseUnavailable } from "./database-unavailable.ts";
import { createApiMetrics } from "./metrics.ts";
import { openApiDocument } from "./openapi.ts";
import { ProblemError, sendProblem } from "./problem.ts";
import { mountRoutes, type RouteDefinition } from "./route-definition.ts";
import { contactRoutes } from "./routes/contact-routes.ts";
import { emailFeedbackRoutes } from "./routes/email-feedback-routes.ts";
import { eventRoutes } from "./routes/event-routes.ts";
import { metricsRoutes } from "./routes/metrics-routes.ts";
import { operationsRoutes } from "./routes/operations-routes.ts";
import { outboxRoutes } from "./routes/outbox-routes.ts";
import { referenceRoutes } from "./routes/reference-routes.ts";
import { scoringRoutes } from "./routes/scoring-routes.ts";
import { sendingRuleRoutes } from "./routes/sending-rule-routes.ts";
import { sequenceRoutes } from "./routes/sequence-routes.ts";
import { templateRoutes } from "./routes/template-routes.ts";
import { trackerRoutes } from "./routes/tracker-routes.ts";
import { trackingApiRoutes } from "./routes/tracking-api-routes.ts";
import { trackingRoutes } from "./routes/tracking-routes.ts";
import { unsubscribeRoutes } from "./routes/unsubscribe-routes.ts";
import { TRACKING_API_PATHS, trackerCors } from "./tracker-cors.ts";

export interface ApiDependencies {
  config: NurtureflowConfig;
  store: ContactStore;
  logger: Logger;
  /**
   * The Temporal client the API signals running enrollments with (pause, resume, archive, cancel).
   * The caller owns it and closes it on shutdown; absent, the API sends no signals.
   */
  temporal?: () => Promise<Client>;
}

/** Every route of the API, declared in the registry; the OpenAPI document is generated from the same list. */
export function apiRoutes(
  store: ContactStore,
  config: NurtureflowConfig,
  logger: Logger,
  temporal: (() => Promise<Client>) | null = null,
): RouteDefinition[] {
  const linkSecrets = [config.publicUrl, config.linkSigningSecret, config.linkSigningPrevious] as const;
  return [
    ...contactRoutes({ store, config, temporal }),
    ...eventRoutes(store, config.defaultMarketingConsent),
    ...scoringRoutes(store),
    ...templateRoutes(store, config),
    ...metricsRoutes(store),
    ...trackingApiRoutes(store),
    ...trackerRoutes(),
    ...sequenceRoutes({ store, config, temporal }),
    ...sendingRuleRoutes(store, config),
    ...emailFeedbackRoutes(store),
    // Links in emails work without an API key: their signed token is the authority. Tracking routes
    // stay when EMAIL_TRACKING is off: emails sent while it was on keep working.
    ...unsubscribeRoutes(createUnsubscribeLinks(...linkSecrets), store),
    ...trackingRoutes(createTrackingLinks(...linkSecrets), store, logger),
    ...dashboardRoutes(),
    ...outboxRoutes(store),
  ];
}

export function createApp({ config, store, logger, temporal }: ApiDependencies): express.Express {
  const app = express();
  app.disable("x-powered-by");
  const metrics = createApiMetrics(store);
  const routes: RouteDefinition[] = [
    ...operationsRoutes(store, metrics.registry),
    ...referenceRoutes(() => document),
    ...apiRoutes(store, config, logger, temporal ?? null),
  ];
  const document = openApiDocument(config.publicUrl, routes);
  const access = createAccessControl(config, store, logger);
  app.use(metrics.observeRequests);
  app.use(TRACKING_API_PATHS, trackerCors(config));
  app.use(mountRoutes(routes, access.authorize));

  app.use((_req, _res, next) => next(new ProblemError(404, "Not Found", "no such route")));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof ProblemError) return sendProblem(res, error);
    if ((error as { type?: string }).type === "entity.parse.failed") {
      return sendProblem(res, new ProblemError(400, "Bad Request", "the body is not valid JSON"));
    }
    if (isDatabaseUnavailable(error)) {
      logger.warn("request failed: the database is unreachable");
      res.setHeader("Retry-After", "5");
      return sendProblem(
        res,
        new ProblemError(503, "Service Unavailable", "the database is unreachable; try again shortly"),
      );
    }
    logger.error({ err: error instanceof Error ? error.message : String(error) }, "request failed");
    sendProblem(res, new ProblemError(500, "Internal Server Error"));
  });
  return app;
}
