// The API's description of itself: the OpenAPI document and the reference page (/docs) rendering it.
import { z } from "zod";
import { DOCS_ASSETS, docsPage } from "../docs-page.ts";
import { notFound } from "../problem.ts";
import { defineRoute, type RouteDefinition } from "../route-definition.ts";

const AssetParams = z.object({ file: z.enum(Object.keys(DOCS_ASSETS) as [string, ...string[]]) });

/** `document` is read per request: it is generated from the full route list, these routes included. */
export function referenceRoutes(document: () => { info: { title: string } }): RouteDefinition[] {
  return [
    defineRoute({
      method: "get",
      path: "/openapi.json",
      access: "public",
      tags: ["reference"],
      summary: "This OpenAPI 3.1 document, generated from the route definitions",
      responses: { 200: { description: "The document", contentType: "application/json" } },
      handle: ({ res }) => {
        res.json(document());
      },
    }),
    defineRoute({
      method: "get",
      path: "/docs",
      access: "public",
      tags: ["reference"],
      summary: "The API reference (Swagger UI): every route, its schemas and examples; try a call",
      responses: { 200: { description: "HTML page", contentType: "text/html" } },
      handle: ({ res }) => {
        res.type("html").send(docsPage(document().info.title));
      },
    }),
    defineRoute({
      method: "get",
      path: "/docs/assets/:file",
      access: "public",
      tags: ["reference"],
      summary: "The reference page's renderer files, from the swagger-ui-dist package",
      params: AssetParams,
      notFoundWhat: "file",
      responses: { 200: { description: "A script, style sheet or icon" } },
      handle: ({ params, res }) => {
        const file = DOCS_ASSETS[params.file];
        if (!file) throw notFound("file");
        res.set("Cache-Control", "public, max-age=3600").sendFile(file);
      },
    }),
  ];
}
