// Segment's HTTP tracking API (POST /v1/batch, /v1/identify, /v1/track, /v1/page, /v1/screen,
// /v1/alias, /v1/group), as the Segment and RudderStack SDKs and nf.js send it, and the mapping table.
//
// Answers follow what the SDKs do with them (read in their sources): 2xx is delivered; 400, 401, 403
// and 413 are dropped; 5xx (not 501/505) and 429 are retried. So a batch is checked message by message:
// the valid ones are written in one transaction and the answer is 200, naming each rejected message,
// since a 4xx would make the SDK drop the good ones too and a 5xx would resend the bad one for ever.
// Only when no message is valid is the answer 400. A store failure is a 5xx: the SDK resends, and
// messageId (the idempotency key) makes the resend change nothing.
import { createHash } from "node:crypto";
import {
  type IncomingEvent,
  type IncomingProfileUpdate,
  ingestBatch,
} from "../../activities/events/ingest-events.ts";
import {
  loadTrackingMapping,
  saveTrackingMapping,
} from "../../activities/settings/tracking-mapping-setting.ts";
import {
  type MessageProblem,
  mapTrackingMessage,
  type TrackingCallType,
} from "../../domain/integrations/tracking-messages.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { fieldProblems, ProblemError } from "../problem.ts";
import { defineRoute, type RouteDefinition } from "../route-definition.ts";
import {
  MAX_BATCH_BYTES,
  MAX_MESSAGE_BYTES,
  TrackingBatchBody,
  TrackingCallBody,
  TrackingMappingBody,
  TrackingMessageBody,
  TrackingResultView,
} from "../schemas/tracking-api-schemas.ts";

interface Rejected {
  index: number;
  messageId?: string;
  errors: MessageProblem[];
}

/** Without a messageId, the content names the message, so an SDK's resend is still recognised. */
function contentId(raw: Record<string, unknown>): string {
  const { sentAt: _sentAt, ...content } = raw;
  return `nf-${createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, 32)}`;
}

async function receive(
  store: ContactStore,
  raws: readonly unknown[],
  batch: { sentAt?: Date; context?: Record<string, unknown> },
) {
  const receivedAt = new Date();
  const mapping = await loadTrackingMapping(store);
  const events: IncomingEvent[] = [];
  const profiles: IncomingProfileUpdate[] = [];
  const rejected: Rejected[] = [];
  for (const [index, raw] of raws.entries()) {
    const record = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
    if (Buffer.byteLength(JSON.stringify(raw) ?? "") > MAX_MESSAGE_BYTES) {
      rejected.push({ index, errors: [{ field: "(message)", message: "exceeds 32 KB" }] });
      continue;
    }
    const parsed = TrackingMessageBody.safeParse(raw);
    if (!parsed.success) {
      const messageId = typeof record.messageId === "string" ? record.messageId : undefined;
      rejected.push({ index, messageId, errors: fieldProblems(parsed.error) });
      continue;
    }
    const message = {
      ...parsed.data,
      messageId: parsed.data.messageId ?? contentId(record),
      context: { ...batch.context, ...parsed.data.context },
      sentAt: parsed.data.sentAt ?? batch.sentAt,
    };
    const outcome = mapTrackingMessage(message, mapping, receivedAt);
    if (!outcome.ok) {
      rejected.push({ index, messageId: message.messageId, errors: outcome.problems });
      continue;
    }
    const { contact, event, profile } = outcome.mapped;
    if (event) events.push({ ...event, contact });
    if (profile) profiles.push({ ...profile, contact });
  }
  if (events.length === 0 && profiles.length === 0) return { rejected, written: null };
  return { rejected, written: await ingestBatch(store, { events, profiles }, receivedAt) };
}

function answer(
  result: Awaited<ReturnType<typeof receive>>,
  fieldOf: (problem: Rejected, field: string) => string,
) {
  if (!result.written) {
    throw new ProblemError(
      400,
      "Bad Request",
      "no valid message",
      result.rejected.flatMap((rejected) =>
        rejected.errors.map((error) => ({ field: fieldOf(rejected, error.field), message: error.message })),
      ),
    );
  }
  const { written } = result;
  const duplicates =
    written.results.filter((outcome) => outcome.status === "duplicate").length +
    written.profiles.filter((outcome) => outcome === "duplicate").length;
  return {
    success: true as const,
    accepted: written.accepted + written.profiles.filter((outcome) => outcome === "applied").length,
    duplicates,
    rejected: result.rejected,
  };
}

const COMMON = {
  access: "ingest" as const,
  credentials: "write_key" as const,
  // The body is JSON whatever it is labelled: browser beacons send text/plain (CORS-safelisted, so no
  // preflight), and RudderStack's SDK posts gzip-compressed JSON without a JSON content type.
  bodyTypes: ["*/*"],
  tags: ["tracking API"],
};

const RESPONSES = {
  200: {
    description:
      "Written (valid messages), duplicates recognised by messageId, and each rejected message named",
    schema: TrackingResultView,
  },
  400: {
    description: "No valid message; each offending field named",
    contentType: "application/problem+json",
  },
  401: { description: "No valid write key", contentType: "application/problem+json" },
  413: { description: "Over 500 KB (batch) or 32 KB (message)", contentType: "application/problem+json" },
};

const CALLS: readonly TrackingCallType[] = ["identify", "track", "page", "screen", "alias", "group"];

export function trackingApiRoutes(store: ContactStore): RouteDefinition[] {
  const single = (type: TrackingCallType) =>
    defineRoute({
      ...COMMON,
      method: "post",
      path: `/v1/${type}`,
      summary: `Segment ${type} call (write key as Basic-auth user or writeKey)`,
      body: TrackingCallBody,
      bodyName: type,
      bodyLimit: `${MAX_MESSAGE_BYTES}b`,
      responses: RESPONSES,
      handle: async ({ body, res }) => {
        const { writeKey: _writeKey, ...message } = body;
        const result = await receive(store, [{ ...message, type }], {});
        res.json(answer(result, (_rejected, field) => field));
      },
    });
  return [
    defineRoute({
      ...COMMON,
      method: "post",
      path: "/v1/batch",
      summary: "Segment batch: identify, track, page, screen, alias and group messages",
      body: TrackingBatchBody,
      bodyName: "batch",
      bodyLimit: `${MAX_BATCH_BYTES}b`,
      responses: RESPONSES,
      handle: async ({ body, res }) => {
        const result = await receive(store, body.batch, body);
        res.json(answer(result, (rejected, field) => `batch.${rejected.index}.${field}`));
      },
    }),
    ...CALLS.map(single),
    defineRoute({
      method: "get",
      path: "/v1/tracking/mapping",
      access: "read",
      tags: ["tracking API"],
      summary: "The tracked-event-name → event type table and the consent category",
      responses: { 200: { description: "The mapping", schema: TrackingMappingBody } },
      handle: async ({ res }) => {
        res.json(await loadTrackingMapping(store));
      },
    }),
    defineRoute({
      method: "put",
      path: "/v1/tracking/mapping",
      access: "admin",
      tags: ["tracking API"],
      summary: "Replace the mapping (applies to messages received from then on)",
      body: TrackingMappingBody,
      bodyName: "mapping",
      responses: { 200: { description: "Saved", schema: TrackingMappingBody } },
      handle: async ({ body, res }) => {
        await saveTrackingMapping(store, body);
        res.json(body);
      },
    }),
  ];
}
