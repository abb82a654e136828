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

  it("moves recursive parts to shared schemas the document's references reach", () => {
    interface Node {
      name: string;
      children: Node[];
    }
    const Tree: z.ZodType<Node> = z.lazy(() => z.object({ name: z.string(), children: z.array(Tree) }));
    const shared = {};
    const paths = openApiPaths(
      [
        defineRoute({
          method: "put",
          path: "/v1/trees",
          access: "write",
          summary: "A recursive body",
          body: z.object({ root: Tree }),
          responses: { 200: { description: "Stored" } },
          handle: () => undefined,
        }),
      ],
      shared,
    );
    const text = JSON.stringify(paths);
    expect(text).not.toContain("#/$defs/");
    const refs = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const name of refs) expect(Object.keys(shared)).toContain(name);
  });

  it("documents the body limit and names it in the 413", () => {
    const put = openApiPaths([{ ...routes[0], bodyLimit: "5mb" } as never])["/v1/things/{key}/notes"]
      ?.post as Record<string, any>;
    expect(put.requestBody["x-body-limit"]).toBe("5mb");
    expect(put.responses["413"].description).toContain("5mb");
  });

  it("refuses a route declared twice", () => {
    expect(() => openApiPaths([routes[0], routes[0]] as never)).toThrow(/defined twice/);
  });
});
