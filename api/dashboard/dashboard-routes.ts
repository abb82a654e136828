// /dashboard: the journey analytics page, served as it is (no build step), with Apache ECharts from
// its npm package. The page holds no data: it reads /v1/metrics with the browser's API key.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Router } from "express";

const echartsPath = createRequire(import.meta.url).resolve("echarts/dist/echarts.min.js");
const page = readFileSync(new URL("./dashboard.html", import.meta.url), "utf8");

export function dashboardRoutes(): Router {
  const router = Router();
  router.get("/dashboard", (_req, res) => {
    res.type("html").send(page);
  });
  router.get("/dashboard/echarts.min.js", (_req, res) => {
    res.type("application/javascript").sendFile(echartsPath, { maxAge: "1d" });
  });
  return router;
}
