// Segment write keys and nf.js site keys: API keys allowed to post events (the ingest scope), shown as
// the Basic-auth user name (Segment's and RudderStack's SDKs) or as `writeKey` in the body (the
// Segment SDK also sends it there; browser beacons cannot set headers). The one place write keys are
// checked. Until scoped keys are stored, the keys of API_KEYS are the write keys; with none set the
// API is open, as every other route is.
import { createHash, timingSafeEqual } from "node:crypto";
import type { Request, RequestHandler } from "express";
import type { NurtureflowConfig } from "../domain/config.ts";
import { ProblemError } from "./problem.ts";

export function presentedWriteKey(req: Request): string | undefined {
  const header = req.header("authorization");
  const basic = header?.match(/^Basic\s+(\S+)$/i)?.[1];
  if (basic) {
    const user = Buffer.from(basic, "base64").toString("utf8").split(":")[0];
    if (user) return user;
  }
  const body = req.body as { writeKey?: unknown } | undefined;
  return typeof body?.writeKey === "string" && body.writeKey !== "" ? body.writeKey : undefined;
}

const digest = (key: string) => createHash("sha256").update(key).digest();

export function isWriteKey(config: NurtureflowConfig, presented: string | undefined): boolean {
  if (config.apiKeys.length === 0) return true;
  if (!presented) return false;
  const given = digest(presented);
  return config.apiKeys.some((key) => timingSafeEqual(digest(key), given));
}

export function requireWriteKey(config: NurtureflowConfig): RequestHandler {
  return (req, res, next) => {
    if (isWriteKey(config, presentedWriteKey(req))) return next();
    res.setHeader("WWW-Authenticate", 'Basic realm="nurtureflow"');
    next(
      new ProblemError(
        401,
        "Unauthorized",
        "a valid write key is required (the Basic-auth user name, or writeKey in the body)",
      ),
    );
  };
}
