// The OpenAPI document, generated from the same zod schemas that validate requests.
import { z } from "zod";
import { openApiPaths, type RouteDefinition } from "./route-definition.ts";
import { EmailFeedbackBody, EmailFeedbackResult } from "./schemas/email-feedback-schemas.ts";
import { EventBatchBody, EventBody, IngestResultView } from "./schemas/event-schemas.ts";

const json = (schema: z.ZodType) => ({
  "application/json": { schema: z.toJSONSchema(schema, { io: "input" }) },
});
const problem = {
  description: "Problem details naming each offending field",
  content: { "application/problem+json": { schema: { type: "object" } } },
};
const contactId = [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }];
const linkToken = (where: "query" | "path") => [
  {
    name: "token",
    in: where,
    required: true,
    schema: { type: "string" },
    description: "signed by Nurtureflow",
  },
];

export function openApiDocument(publicUrl: string, routes: readonly RouteDefinition[]) {
  return {
    openapi: "3.1.0",
    info: { title: "Nurtureflow API", version: "0.1.0" },
    servers: [{ url: publicUrl }],
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "an API key" } },
    },
    security: [{ apiKey: [] }],
    paths: {
      ...openApiPaths(routes),
      // Routes not yet declared in the registry (api/route-definition.ts), written by hand until then.
      "/v1/events": {
        post: {
          summary: "Ingest one touchpoint or a batch of up to 5,000",
          description:
            "All or nothing: if any event is invalid the answer is 400 naming every `events.<index>.<field>` " +
            "and nothing is written; otherwise the whole batch is written in one transaction. A repeated " +
            "idempotency key (already stored or earlier in the batch) is accepted and reported as `duplicate`. " +
            "An event naming an anonymousId together with an email or id identifies the visitor: their " +
            "anonymous (ghost) history is merged into that contact.",
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: {
                  oneOf: [
                    z.toJSONSchema(EventBody, { io: "input" }),
                    z.toJSONSchema(EventBatchBody, { io: "input" }),
                  ],
                },
              },
            },
          },
          responses: {
            "200": {
              description: "Accepted and duplicate events, by index",
              content: json(IngestResultView),
            },
            "400": problem,
          },
        },
      },
      "/v1/contacts/{id}/timeline": {
        get: {
          summary: "Events, stage changes and segment moves of a contact, latest first",
          parameters: contactId,
          responses: { "200": { description: "The timeline" }, "404": problem },
        },
      },
      "/v1/webhooks/email-events": {
        post: {
          summary: "Bounce and complaint reports: suppress the address; a complaint also unsubscribes",
          requestBody: { required: true, content: json(EmailFeedbackBody) },
          responses: {
            "200": { description: "Recorded", content: json(EmailFeedbackResult) },
            "400": problem,
          },
        },
      },
      "/v1/unsubscribe": {
        post: {
          summary: "RFC 8058 one-click unsubscribe (List-Unsubscribe target); no API key",
          parameters: linkToken("query"),
          responses: { "200": { description: "Unsubscribed" }, "400": problem, "404": problem },
        },
      },
      "/unsubscribe": {
        get: {
          summary: "Unsubscribe page (the footer link): asks before it unsubscribes",
          parameters: linkToken("query"),
          responses: { "200": { description: "HTML page" }, "400": { description: "Invalid link" } },
        },
        post: {
          summary: "The page's button: unsubscribes and confirms",
          parameters: linkToken("query"),
          responses: { "200": { description: "HTML confirmation" }, "400": { description: "Invalid link" } },
        },
      },
      "/t/o/{token}.gif": {
        get: {
          summary: "Open pixel: records email_opened",
          parameters: linkToken("path"),
          responses: { "200": { description: "1×1 GIF" }, "400": problem },
        },
      },
      "/t/c/{token}": {
        get: {
          summary: "Click redirect: records email_clicked, redirects to the link signed into the token",
          parameters: linkToken("path"),
          responses: { "302": { description: "To the link in the email" }, "400": problem },
        },
      },
      "/healthz": {
        get: {
          summary: "Database check and the dependencies workers found degraded (the SMTP relay)",
          responses: {
            "200": { description: "`ok`, or `degraded` naming each degraded component (the API serves)" },
            "503": { description: "The database is unreachable" },
          },
        },
      },
      "/metrics": {
        get: {
          summary: "Prometheus metrics: requests per route, outbox backlog, process",
          responses: { "200": { description: "Prometheus text format" } },
        },
      },
    },
  };
}
