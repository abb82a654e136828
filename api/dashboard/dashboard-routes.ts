// /dashboard: the journey analytics page, served as it is (no build step), with Apache ECharts from
// its npm package. The page holds no data: it reads /v1/metrics with the browser's API key.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { defineRoute, type RouteDefinition } from "../route-definition.ts";

const echartsPath = createRequire(import.meta.url).resolve("echarts/dist/echarts.min.js");
const page = readFileSync(new URL("./dashboard.html", import.meta.url), "utf8");

export function dashboardRoutes(): RouteDefinition[] {
  return [
    defineRoute({
      method: "get",
      path: "/dashboard",
      access: "public",
      tags: ["analytics"],
      summary: "The journey analytics page (reads /v1/metrics with the API key given in the page)",
      responses: { 200: { description: "HTML page", contentType: "text/html" } },
      handle: ({ res }) => {
        res.type("html").send(page);
      },
    }),
    defineRoute({
      method: "get",
      path: "/dashboard/echarts.min.js",
      access: "public",
      tags: ["analytics"],
      summary: "Apache ECharts, from its npm package, for the dashboard",
      responses: { 200: { description: "The script", contentType: "application/javascript" } },
      handle: ({ res }) => {
        res.type("application/javascript").sendFile(echartsPath, { maxAge: "1d" });
      },
    }),
  ];
}
