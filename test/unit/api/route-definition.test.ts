import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineRoute, openApiPath, openApiPaths, scopeAllows } from "../../../api/route-definition.ts";

describe("scopes", () => {
  it("admin may do everything, write covers read and ingest, ingest only ingests", () => {
    expect(scopeAllows("admin", "admin")).toBe(true);
    expect(scopeAllows("admin", "read")).toBe(true);
    expect(scopeAllows("write", "ingest")).toBe(true);
    expect(scopeAllows("write", "admin")).toBe(false);
    expect(scopeAllows("ingest", "read")).toBe(false);
    expect(scopeAllows("read", "ingest")).toBe(false);
  });
});

describe("OpenAPI paths from route definitions", () => {
  const body = z.object({ name: z.string().min(1), tags: z.array(z.string()).optional() });
  const routes = [
    defineRoute({
      method: "post",
      path: "/v1/things/:key/notes",
      access: "write",
      summary: "Add a note",
      params: z.object({ key: z.string() }),
      query: z.object({ dryRun: z.enum(["true", "false"]).optional() }),
      body,
      responses: { 201: { description: "Added", schema: z.object({ id: z.string() }) } },
      handle: () => undefined,
    }),
    defineRoute({
      method: "get",
      path: "/t/pixel",
      access: "public",
      summary: "A public route",
      responses: { 200: { description: "A GIF", contentType: "image/gif" } },
      handle: () => undefined,
    }),
  ];

  it("turns express parameters into OpenAPI templates", () => {
    expect(openApiPath("/v1/contacts/:id/stage")).toBe("/v1/contacts/{id}/stage");
  });

  it("documents parameters, body, responses and the implied problems", () => {
    const paths = openApiPaths(routes);
    const post = paths["/v1/things/{key}/notes"]?.post as Record<string, any>;
    expect(post.parameters).toEqual([
      { name: "key", in: "path", required: true, schema: { type: "string" } },
      { name: "dryRun", in: "query", required: false, schema: { type: "string", enum: ["true", "false"] } },
    ]);
    expect(post.requestBody.content["application/json"].schema.required).toEqual(["name"]);
    expect(Object.keys(post.responses).sort()).toEqual(["201", "400", "401", "403", "404", "413"]);
    expect(post["x-required-scope"]).toBe("write");
    const get = paths["/t/pixel"]?.get as Record<string, any>;
    expect(get.security).toEqual([]);
    expect(get.responses["200"].content).toEqual({ "image/gif": {} });
    expect(get.responses["401"]).toBeUndefined();
  });

  it("refuses a route declared twice", () => {
    expect(() => openApiPaths([routes[0], routes[0]] as never)).toThrow(/defined twice/);
  });
});
