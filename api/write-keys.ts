// Segment write keys and nf.js site keys are API keys with the ingest scope (or higher), presented as
// the Basic-auth user name (Segment's and RudderStack's SDKs) or as `writeKey` in the body (the
// Segment SDK also sends it there; browser beacons cannot set headers). This is where the key is read
// from the request; api/auth/authorize.ts verifies it like any other key (verifyApiKey, scope, rate).
import type { Request } from "express";

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
