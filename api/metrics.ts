// Prometheus metrics of the API process (/metrics): request counts and latencies per route, the
// outbox backlog (changes acknowledged but not yet handed to Temporal) and its parked rows, the SMTP
// relay's failures as the workers report them, and Node's default metrics.
import type { NextFunction, Request, Response } from "express";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { SMTP_COMPONENT } from "../activities/email/smtp-health.ts";
import { countParkedRows } from "../activities/outbox/outbox-leases.ts";
import type { ContactStore } from "../prisma/client.ts";
import { registerTriggerToSendHistogram } from "./trigger-latency-metric.ts";

export interface ApiMetrics {
  registry: Registry;
  observeRequests(req: Request, res: Response, next: NextFunction): void;
}

export function createApiMetrics(store: ContactStore): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "nurtureflow_api_" });
  const labelNames = ["method", "route", "status"] as const;
  const requests = new Counter({
    name: "nurtureflow_http_requests_total",
    help: "HTTP requests answered",
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "nurtureflow_http_request_duration_seconds",
    help: "HTTP request duration",
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: "nurtureflow_outbox_pending",
    help: "Contact changes written but not yet delivered to Temporal (parked ones not counted)",
    registers: [registry],
    async collect() {
      this.set(await store.outbox.count({ where: { dispatchedAt: null, parkedAt: null } }));
    },
  });
  new Gauge({
    name: "nurtureflow_outbox_parked",
    help: "Contact changes the dispatcher gave up on, waiting for an operator (GET /v1/outbox/parked)",
    registers: [registry],
    async collect() {
      this.set(await countParkedRows(store));
    },
  });

  // Fed by the worker processes through the database (activities/email/smtp-health.ts).
  new Counter({
    name: "nurtureflow_smtp_failures_total",
    help: "SMTP relay failures met by the workers, by kind: auth, tls, connection, config",
    labelNames: ["kind"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await store.smtpFailureCount.findMany()) this.inc({ kind: row.kind }, row.total);
    },
  });
  new Gauge({
    name: "nurtureflow_smtp_degraded",
    help: "1 while the workers find the SMTP relay failing (sends pending, retried), else 0",
    registers: [registry],
    async collect() {
      const row = await store.serviceHealth.findUnique({ where: { component: SMTP_COMPONENT } });
      this.set(row?.status === "degraded" ? 1 : 0);
    },
  });

  registerTriggerToSendHistogram(registry, store);

  return {
    registry,
    observeRequests(req, res, next) {
      const stop = duration.startTimer();
      res.on("finish", () => {
        // The matched route pattern, not the URL: ids and tokens must not become label values.
        const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : "unmatched";
        const labels = { method: req.method, route, status: String(res.statusCode) };
        requests.inc(labels);
        stop(labels);
      });
      next();
    },
  };
}
