// The `webhook` step: POST a signed JSON body about the contact and the run to the step's URL.
//
// Interface (register createWebhookActivities(deps) on the sequence worker):
//   sendWebhook(input: SendWebhookInput): Promise<WebhookOutcome>
//   SendWebhookInput = { url, contactId, enrollmentId, sequenceKey, sequenceVersion, stepId, reason? }
//   WebhookOutcome   = { status: "delivered"; statusCode } | { status: "already_delivered"; statusCode }
// Thrown: ApplicationFailure retryable (type "WebhookFailed") for network errors, timeouts, 408, 429 and
// 5xx, so the workflow's retry policy does the backoff; non-retryable ("WebhookRejected") for other
// 4xx, ("WebhookRefused") for a URL that is not http(s) or whose host resolves to a loopback, private,
// link-local, unique-local or unspecified address and is not in WEBHOOK_ALLOWED_HOSTS.
// Each attempt updates the WebhookDelivery row of (enrollment, step); a delivered one is not re-sent.
// The request goes to the very address that was checked, so DNS cannot change between check and use.
import { lookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { ApplicationFailure } from "@temporalio/common";
import type { NurtureflowConfig } from "../../domain/config.ts";
import { isForbiddenAddress } from "../../domain/webhooks/address-policy.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { signWebhookBody } from "./webhook-signature.ts";

export interface SendWebhookInput {
  url: string;
  contactId: string;
  enrollmentId: string;
  sequenceKey: string;
  sequenceVersion: number;
  stepId: string;
  /** Why the run hands off, e.g. "clicked the guide"; the step's own text. */
  reason?: string;
}

export type WebhookOutcome =
  | { status: "delivered"; statusCode: number }
  | { status: "already_delivered"; statusCode: number | null };

export interface WebhookDependencies {
  store: ContactStore;
  config: Pick<NurtureflowConfig, "webhookAllowedHosts" | "webhookSigningSecret">;
  /** Per request, connection included; default 10 s. */
  timeoutMs?: number;
  /** The clock of the timestamp header; tests pin it. */
  now?: () => Date;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_ERROR_LENGTH = 500;

function refused(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, "WebhookRefused");
}

function isAllowListed(url: URL, allowed: readonly string[]): boolean {
  const host = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return allowed.includes(host) || allowed.includes(`${host}:${port}`);
}

/** Resolves the host once and checks every address; the one returned is the one connected to. */
async function checkedAddress(
  url: URL,
  allowed: readonly string[],
): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: { address: string; family: number }[];
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch (error) {
    throw ApplicationFailure.retryable(
      `cannot resolve ${url.host}: ${(error as Error).message}`,
      "WebhookFailed",
    );
  }
  const first = addresses[0];
  if (!first) throw ApplicationFailure.retryable(`no address for ${url.host}`, "WebhookFailed");
  // Every address must pass: a host that also resolves to a private one could be steered there.
  if (!isAllowListed(url, allowed) && addresses.some(({ address }) => isForbiddenAddress(address))) {
    throw refused(
      `${url.host} resolves to a loopback or private address and is not in WEBHOOK_ALLOWED_HOSTS`,
    );
  }
  return first;
}

function post(
  url: URL,
  target: { address: string; family: number },
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<number> {
  // The connection goes to the checked address; the Host header and TLS name stay the URL's host.
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [target]);
    else callback(null, target.address, target.family);
  };
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      { method: "POST", headers, lookup: pinned, timeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on("error", reject);
    request.end(body);
  });
}

export function createWebhookActivities(deps: WebhookDependencies) {
  const { store, config } = deps;
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const clock = deps.now ?? (() => new Date());

  async function record(
    input: SendWebhookInput,
    host: string,
    outcome: { status: string; statusCode?: number | null; error?: string | null },
  ): Promise<void> {
    const key = { enrollmentId: input.enrollmentId, stepId: input.stepId };
    const fields = {
      host,
      status: outcome.status,
      statusCode: outcome.statusCode ?? null,
      error: outcome.error?.slice(0, MAX_ERROR_LENGTH) ?? null,
      deliveredAt: outcome.status === "delivered" ? new Date() : null,
    };
    await store.webhookDelivery.upsert({
      where: { enrollmentId_stepId: key },
      create: { ...key, contactId: input.contactId, attempts: 1, ...fields },
      update: { ...fields, attempts: { increment: 1 } },
    });
  }

  return {
    async sendWebhook(input: SendWebhookInput): Promise<WebhookOutcome> {
      const done = await store.webhookDelivery.findUnique({
        where: { enrollmentId_stepId: { enrollmentId: input.enrollmentId, stepId: input.stepId } },
      });
      if (done?.status === "delivered") return { status: "already_delivered", statusCode: done.statusCode };

      let url: URL;
      try {
        url = new URL(input.url);
      } catch {
        throw refused("the webhook URL does not parse");
      }
      const host = url.host;
      const fail = async (status: string, error: string, statusCode?: number) => {
        await record(input, host, { status, error, statusCode: statusCode ?? null });
      };
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        await fail("refused", `scheme ${url.protocol} is not http or https`);
        throw refused(`scheme ${url.protocol} is not http or https`);
      }
      if (url.username || url.password) {
        await fail("refused", "credentials in the URL are not sent");
        throw refused("credentials in the URL are not sent; put them in the receiver's allow list instead");
      }

      let target: { address: string; family: number };
      try {
        target = await checkedAddress(url, config.webhookAllowedHosts);
      } catch (error) {
        const failure = error as ApplicationFailure;
        await fail(failure.nonRetryable ? "refused" : "failed", failure.message);
        throw error;
      }

      const contact = await store.contact.findUnique({
        where: { id: input.contactId },
        select: { lifecycleStage: true, score: true },
      });
      // No email address or other personal data: receivers look the contact up by id if they must.
      const body = JSON.stringify({
        contactId: input.contactId,
        stage: contact?.lifecycleStage ?? null,
        score: contact?.score ?? null,
        sequence: { key: input.sequenceKey, version: input.sequenceVersion },
        stepId: input.stepId,
        enrollmentId: input.enrollmentId,
        reason: input.reason ?? null,
      });
      const timestamp = String(Math.floor(clock().getTime() / 1000));
      const headers = {
        "content-type": "application/json",
        "user-agent": "Nurtureflow-Webhook/1",
        "x-nurtureflow-timestamp": timestamp,
        "x-nurtureflow-signature": `sha256=${signWebhookBody(config.webhookSigningSecret, timestamp, body)}`,
        "idempotency-key": `${input.enrollmentId}:${input.stepId}`,
      };

      let statusCode: number;
      try {
        statusCode = await post(url, target, headers, body, timeoutMs);
      } catch (error) {
        const message = `${host}: ${(error as Error).message}`;
        await fail("failed", message);
        throw ApplicationFailure.retryable(message, "WebhookFailed");
      }
      if (statusCode >= 200 && statusCode < 300) {
        await record(input, host, { status: "delivered", statusCode });
        return { status: "delivered", statusCode };
      }
      const message = `${host} answered ${statusCode}`;
      if (statusCode >= 400 && statusCode < 500 && statusCode !== 408 && statusCode !== 429) {
        await fail("rejected", message, statusCode);
        throw ApplicationFailure.nonRetryable(message, "WebhookRejected");
      }
      await fail("failed", message, statusCode);
      throw ApplicationFailure.retryable(message, "WebhookFailed");
    },
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
