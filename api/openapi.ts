// The OpenAPI document, generated from the same zod schemas that validate requests.
import { z } from "zod";
import { ContactUpsert, ContactView, StageChangeBody } from "./schemas/contact-schemas.ts";

const json = (schema: z.ZodType) => ({
  "application/json": { schema: z.toJSONSchema(schema, { io: "input" }) },
});
const problem = {
  description: "Problem details naming each offending field",
  content: { "application/problem+json": { schema: { type: "object" } } },
};
const contactId = [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }];

export function openApiDocument(publicUrl: string) {
  return {
    openapi: "3.1.0",
    info: { title: "Nurtureflow API", version: "0.1.0" },
    servers: [{ url: publicUrl }],
    paths: {
      "/v1/contacts": {
        post: {
          summary: "Create or update a contact by email",
          requestBody: { required: true, content: json(ContactUpsert) },
          responses: {
            "200": { description: "Updated", content: json(ContactView) },
            "201": { description: "Created", content: json(ContactView) },
            "400": problem,
          },
        },
      },
      "/v1/contacts/{id}": {
        get: {
          summary: "Read a contact",
          parameters: contactId,
          responses: { "200": { description: "The contact", content: json(ContactView) }, "404": problem },
        },
      },
      "/v1/contacts/{id}/stage": {
        put: {
          summary: "Move a contact to a lifecycle stage (forward or backward)",
          parameters: contactId,
          requestBody: { required: true, content: json(StageChangeBody) },
          responses: {
            "200": { description: "The contact and the change made" },
            "400": problem,
            "404": problem,
          },
        },
      },
      "/healthz": {
        get: { summary: "Liveness and database check", responses: { "200": { description: "OK" } } },
      },
    },
  };
}
