// What operators and orchestrators poll: liveness with the database check, and Prometheus metrics.
import type { Registry } from "prom-client";
import { z } from "zod";
import type { ContactStore } from "../../prisma/client.ts";
import { defineRoute, type RouteDefinition } from "../route-definition.ts";

const Health = z.object({ status: z.enum(["ok", "unavailable"]), database: z.string().optional() });

export function operationsRoutes(store: ContactStore, metrics: Registry): RouteDefinition[] {
  return [
    defineRoute({
      method: "get",
      path: "/healthz",
      access: "public",
      tags: ["operations"],
      summary: "Liveness and database check",
      responses: {
        200: { description: "Up, database reachable", schema: Health },
        503: { description: "The database is unreachable", schema: Health },
      },
      handle: async ({ res }) => {
        try {
          await store.$queryRaw`SELECT 1`;
          res.json({ status: "ok" });
        } catch {
          res.status(503).json({ status: "unavailable", database: "unreachable" });
        }
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
