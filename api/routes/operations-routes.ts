// What operators and orchestrators poll: liveness with the database check, and Prometheus metrics.
import type { Registry } from "prom-client";
import type { ContactStore } from "../../prisma/client.ts";
import { HealthReport, healthReport } from "../health.ts";
import { defineRoute, type RouteDefinition } from "../route-definition.ts";

export function operationsRoutes(store: ContactStore, metrics: Registry): RouteDefinition[] {
  return [
    defineRoute({
      method: "get",
      path: "/healthz",
      access: "public",
      tags: ["operations"],
      summary: "Database check and the dependencies workers found degraded (the SMTP relay)",
      responses: {
        200: {
          description: "`ok`, or `degraded` naming each degraded component (the API still serves)",
          schema: HealthReport,
        },
        503: { description: "The database is unreachable", schema: HealthReport },
      },
      handle: async ({ res }) => {
        const report = await healthReport(store);
        res.status(report.status === "unavailable" ? 503 : 200).json(report);
      },
    }),
    defineRoute({
      method: "get",
      path: "/metrics",
      access: "public",
      tags: ["operations"],
      summary: "Prometheus metrics: requests per route, outbox backlog, process",
      responses: { 200: { description: "Prometheus text format", contentType: "text/plain" } },
      handle: async ({ res }) => {
        res.type(metrics.contentType).send(await metrics.metrics());
      },
    }),
  ];
}
