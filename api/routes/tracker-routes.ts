// GET /nf.js: the first-party browser tracker, a committed plain script served as it is.
import { readFileSync } from "node:fs";
import { defineRoute, type RouteDefinition } from "../route-definition.ts";

const TRACKER = readFileSync(new URL("../tracker/nf.js", import.meta.url), "utf8");

export function trackerRoutes(): RouteDefinition[] {
  return [
    defineRoute({
      method: "get",
      path: "/nf.js",
      access: "public",
      tags: ["tracking API"],
      summary: "The browser tracker (nf.js) for <script async src> with data-site-key",
      responses: { 200: { description: "The script", contentType: "text/javascript" } },
      handle: ({ res }) => {
        res.type("text/javascript").setHeader("Cache-Control", "public, max-age=3600").send(TRACKER);
      },
    }),
  ];
}
