// The HTTP API: express + zod, JSON in and out, problem+json errors.
import express, { type NextFunction, type Request, type Response } from "express";
import type { Logger } from "pino";
import { createUnsubscribeLinks } from "../activities/email/unsubscribe-links.ts";
import { createTrackingLinks } from "../activities/tracking/tracking-links.ts";
import type { NurtureflowConfig } from "../domain/config.ts";
import type { ContactStore } from "../prisma/client.ts";
import { lazyTemporalClient } from "../worker/temporal-client.ts";
import { createAccessControl } from "./auth/authorize.ts";
import { dashboardRoutes } from "./dashboard/dashboard-routes.ts";
import { isDatabaseUnavailable } from "./database-unavailable.ts";
import { docsPage } from "./docs-page.ts";
import { healthRoute } from "./health.ts";
import { rejectUnsafeJson } from "./json-guard.ts";
import { createApiMetrics } from "./metrics.ts";
import { openApiDocument } from "./openapi.ts";
import { ProblemError, sendProblem } from "./problem.ts";
import { type Authorizer, mountRoutes, type RouteDefinition } from "./route-definition.ts";
import { contactRoutes } from "./routes/contact-routes.ts";
import { emailFeedbackRoutes } from "./routes/email-feedback-routes.ts";
import { eventRoutes } from "./routes/event-routes.ts";
import { metricsRoutes } from "./routes/metrics-routes.ts";
import { outboxRoutes } from "./routes/outbox-routes.ts";
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
}

/** Every route declared in the registry; the OpenAPI document is generated from the same list. */
export function apiRoutes(store: ContactStore, config: NurtureflowConfig): RouteDefinition[] {
  return [
    ...contactRoutes(store, config.defaultMarketingConsent),
    ...scoringRoutes(store),
    ...templateRoutes(store, config),
    ...metricsRoutes(store),
    ...trackingApiRoutes(store),
    ...trackerRoutes(),
    ...sequenceRoutes({
      store,
      config,
      temporal: lazyTemporalClient(config).get,
      temporalUiUrl: "http://127.0.0.1:8233",
    }),
    ...sendingRuleRoutes(store, config),
    ...outboxRoutes(store),
  ];
}

export function createApp({ config, store, logger }: ApiDependencies): express.Express {
  const app = express();
  app.disable("x-powered-by");
  const routes = apiRoutes(store, config);
  const document = openApiDocument(config.publicUrl, routes);
  const access = createAccessControl(config, store, logger);
  const authorize: Authorizer = access.authorize;
  const metrics = createApiMetrics(store);
  app.use(metrics.observeRequests);

  app.get("/healthz", healthRoute(store));
  app.get("/metrics", async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get("/openapi.json", (_req, res) => {
    res.json(document);
  });
  app.get("/docs", (_req, res) => {
    res.type("html").send(docsPage(document));
  });
  // The page holds no data; the metrics it reads are behind the API key like every /v1 route.
  app.use(dashboardRoutes());

  // Links in emails work without an API key (their signed token is the authority), so they come first.
  // Tracking routes stay mounted when EMAIL_TRACKING is off: emails sent while it was on keep working.
  app.use(
    unsubscribeRoutes(
      createUnsubscribeLinks(config.publicUrl, config.linkSigningSecret, config.linkSigningPrevious),
      store,
    ),
    trackingRoutes(
      createTrackingLinks(config.publicUrl, config.linkSigningSecret, config.linkSigningPrevious),
      store,
      logger,
    ),
  );
  app.use(TRACKING_API_PATHS, trackerCors(config));
  app.use(mountRoutes(routes, authorize));
  app.use(
    "/v1",
    access.authorizeByRequest,
    express.json({ limit: "5mb" }),
    rejectUnsafeJson,
    eventRoutes(store, config.defaultMarketingConsent),
    emailFeedbackRoutes(store),
  );

  app.use((_req, _res, next) => next(new ProblemError(404, "Not Found", "no such route")));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof ProblemError) return sendProblem(res, error);
    const type = (error as { type?: string }).type;
    if (type === "entity.parse.failed") {
      return sendProblem(res, new ProblemError(400, "Bad Request", "the body is not valid JSON"));
    }
    if (type === "entity.too.large") {
      const limit = (error as { limit?: number }).limit;
      const detail = limit
        ? `the body exceeds this route's limit of ${limit} bytes`
        : "the body is too large";
      return sendProblem(res, new ProblemError(413, "Content Too Large", detail));
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
