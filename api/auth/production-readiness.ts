// With NODE_ENV=production the API and the worker refuse to start when anyone could call the API, forge
// the links in emails or the signature of webhooks, or reverse an erased address's hash by hashing
// candidate addresses: no API key at all, or a secret that is public or guessable.
import type { Logger } from "pino";
import {
  DEVELOPMENT_ERASURE_HASH_SECRET,
  DEVELOPMENT_LINK_SIGNING_SECRET,
  DEVELOPMENT_WEBHOOK_SIGNING_SECRET,
  type NurtureflowConfig,
} from "../../domain/config.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { hasActiveApiKey } from "./api-keys.ts";

const MIN_SECRET_LENGTH = 32;
// Placeholders that example files and compose setups have shipped with.
const PUBLIC_SECRETS = new Set([
  DEVELOPMENT_LINK_SIGNING_SECRET,
  DEVELOPMENT_WEBHOOK_SIGNING_SECRET,
  DEVELOPMENT_ERASURE_HASH_SECRET,
  "change-me",
  "changeme",
  "secret",
]);

function secretProblem(name: string, secret: string): string | null {
  if (PUBLIC_SECRETS.has(secret)) return `${name} is unset or a public placeholder: set a random secret`;
  if (secret.length < MIN_SECRET_LENGTH) return `${name} is shorter than ${MIN_SECRET_LENGTH} characters`;
  return null;
}

/** What is missing for production, each named; empty outside production or when all is set. */
export async function productionProblems(config: NurtureflowConfig, store: ContactStore): Promise<string[]> {
  if (!config.production) return [];
  const problems: string[] = [];
  if (config.apiKeys.length === 0 && !(await hasActiveApiKey(store))) {
    problems.push("no API key: set API_KEYS or create one with `npm run keys -- create --scope admin`");
  }
  const secrets: [name: string, secret: string | undefined][] = [
    ["LINK_SIGNING_SECRET", config.linkSigningSecret],
    ["LINK_SIGNING_SECRET_PREVIOUS", config.linkSigningPrevious?.secret],
    ["WEBHOOK_SIGNING_SECRET", config.webhookSigningSecret],
    ["ERASURE_HASH_SECRET", config.erasureHashSecret],
  ];
  for (const [name, secret] of secrets) {
    const problem = secret === undefined ? null : secretProblem(name, secret);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** Logs what is missing and ends the process (exit code 1) when production is not safe to start. */
export async function exitUnlessReadyForProduction(
  config: NurtureflowConfig,
  store: ContactStore,
  logger: Logger,
): Promise<void> {
  const problems = await productionProblems(config, store);
  if (problems.length === 0) return;
  logger.fatal({ problems }, `refusing to start with NODE_ENV=production: ${problems.join("; ")}`);
  await store.$disconnect();
  process.exit(1);
}
