// Browsers may send to the tracking API only from the pages of TRACKER_ORIGINS (and the API's own
// origin). A simple request (nf.js's text/plain beacon) reaches the server whatever CORS says, so a
// request from any other origin is refused here, before anything is read or written; server-side
// SDKs send no Origin and are not concerned.
import type { RequestHandler } from "express";
import type { NurtureflowConfig } from "../domain/config.ts";
import { ProblemError } from "./problem.ts";

export const TRACKING_API_PATHS = ["batch", "identify", "track", "page", "screen", "alias", "group"].map(
  (call) => `/v1/${call}`,
);

export function trackerCors(config: NurtureflowConfig): RequestHandler {
  const allowed = new Set([...config.trackerOrigins, new URL(config.publicUrl).origin]);
  return (req, res, next) => {
    const origin = req.header("origin");
    if (!origin) return next();
    if (!allowed.has(origin)) {
      return next(new ProblemError(403, "Forbidden", "this origin is not in TRACKER_ORIGINS"));
    }
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Vary", "Origin");
    if (req.method !== "OPTIONS") return next();
    res.setHeader("Access-Control-Allow-Methods", "POST");
    res.setHeader("Access-Control-Allow-Headers", "content-type, authorization");
    res.setHeader("Access-Control-Max-Age", "86400");
    res.status(204).end();
  };
}
