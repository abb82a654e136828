// The OpenAPI document, generated from the route definitions (api/route-definition.ts) and the zod
// schemas that validate their requests: a route cannot be served without being described here.
import { openApiPaths, type RouteDefinition, type SharedSchemas } from "./route-definition.ts";

export function openApiDocument(publicUrl: string, routes: readonly RouteDefinition[]) {
  const shared: SharedSchemas = {};
  const paths = openApiPaths(routes, shared);
  return {
    openapi: "3.1.0",
    info: {
      title: "Nurtureflow API",
      version: "0.1.0",
      description:
        "JSON in and out; every error is `application/problem+json` (RFC 9457) naming each offending " +
        "field. /v1 routes need an API key (`Authorization: Bearer <key>`) whose scope covers the route " +
        "(`x-required-scope`): read, ingest, write or admin.",
    },
    // The API that served the document first, so "Try it out" on /docs calls the page's own origin.
    servers: [
      { url: "/", description: "this API" },
      { url: publicUrl, description: "PUBLIC_URL" },
    ],
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "an API key" } },
      schemas: shared,
    },
    security: [{ apiKey: [] }],
    paths,
  };
}
