// API keys: made once by `npm run keys -- create`, shown once, stored as a hash. A key is
// `nf_<id>_<secret>`: the id finds the row, the secret is 256 random bits, so a SHA-256 of the whole key
// is as good as a slow hash here (nothing to brute-force) and keeps every request to one lookup.
// Keys given by the environment (API_KEYS) are admin keys that live outside the database (compose, CI).
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { ContactStore } from "../../prisma/client.ts";
import { API_SCOPES, type ApiScope } from "../route-definition.ts";

export interface ApiPrincipal {
  keyId: string;
  scope: ApiScope;
  name: string | null;
}

/** What verifyApiKey needs of the configuration. */
export interface ApiKeyConfig {
  apiKeys: readonly string[];
}

export interface IssuedApiKey {
  id: string;
  /** The whole key: shown once, never stored. */
  key: string;
  prefix: string;
  scope: ApiScope;
  name: string | null;
}

const KEY_PATTERN = /^nf_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
// lastUsedAt is a hint for operators, not an audit log: one write per key per minute at most.
const LAST_USED_RESOLUTION_MS = 60_000;

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** Equal digests of equal length: the comparison takes the same time wherever the inputs differ. */
function sameSecret(presentedDigest: Buffer, storedDigest: Buffer): boolean {
  return presentedDigest.length === storedDigest.length && timingSafeEqual(presentedDigest, storedDigest);
}

export function isApiScope(value: string): value is ApiScope {
  return (API_SCOPES as readonly string[]).includes(value);
}

export function hashApiKey(key: string): string {
  return sha256(key).toString("hex");
}

export async function createApiKey(
  store: ContactStore,
  scope: ApiScope,
  name: string | null,
): Promise<IssuedApiKey> {
  const id = randomBytes(6).toString("hex");
  const key = `nf_${id}_${randomBytes(32).toString("base64url")}`;
  const prefix = `nf_${id}_${key.slice(16, 20)}…`;
  await store.apiKey.create({ data: { id, name, scope, hash: hashApiKey(key), prefix } });
  return { id, key, prefix, scope, name };
}

/** Revokes at once (the next request with it gets 401); false when there is no such key. */
export async function revokeApiKey(store: ContactStore, id: string): Promise<boolean> {
  const { count } = await store.apiKey.updateMany({
    where: { id, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  if (count > 0) return true;
  return (await store.apiKey.findUnique({ where: { id }, select: { id: true } })) !== null;
}

export async function hasActiveApiKey(store: ContactStore): Promise<boolean> {
  return (await store.apiKey.count({ where: { revokedAt: null } })) > 0;
}

/** The principal a presented key stands for, or null when it is not a valid, unrevoked key. */
export async function verifyApiKey(
  store: ContactStore,
  config: ApiKeyConfig,
  presented: string,
): Promise<ApiPrincipal | null> {
  const digest = sha256(presented);
  // Every environment key is compared, so the time taken does not tell which one (or whether) matched.
  let environmentMatch = -1;
  config.apiKeys.forEach((key, index) => {
    if (sameSecret(digest, sha256(key)) && environmentMatch < 0) environmentMatch = index;
  });
  if (environmentMatch >= 0)
    return { keyId: `env:${environmentMatch + 1}`, scope: "admin", name: "API_KEYS" };

  const match = KEY_PATTERN.exec(presented);
  if (!match) return null;
  const row = await store.apiKey.findUnique({ where: { id: match[1] } });
  if (!row || row.revokedAt || !isApiScope(row.scope)) return null;
  if (!sameSecret(digest, Buffer.from(row.hash, "hex"))) return null;
  const now = new Date();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await store.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { keyId: row.id, scope: row.scope, name: row.name };
}
