// POST /v1/events (one touchpoint or a batch) and GET /v1/contacts/:id/timeline.
//
// Batch semantics: all or nothing. Every event is validated first; if any is invalid the answer is
// 400 naming each offending `events.<index>.<field>` and nothing is written. A valid batch is written
// in one transaction. A repeated idempotency key (already stored, or earlier in the same batch) is
// accepted and reported as `duplicate` without any effect. An event without occurredAt happened when
// it was received.
import { EventRejectedError } from "../../activities/events/contact-resolution.ts";
import { ingestEvents } from "../../activities/events/ingest-events.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { notFound, ProblemError } from "../problem.ts";
import { defineRoute, type RouteDefinition } from "../route-definition.ts";
import { ContactIdParams } from "../schemas/contact-schemas.ts";
import {
  EVENT_BATCH_EXAMPLE,
  EVENT_EXAMPLE,
  EventBatchBody,
  EventBody,
  EventsBody,
  IngestResultView,
  TimelineView,
} from "../schemas/event-schemas.ts";

const TIMELINE_LIMIT = 200;
/** A full batch of 5,000 events is a few MB; everything else the API takes fits the default. */
const EVENTS_BODY_LIMIT = "5mb";

function isBatch(body: unknown): body is { events: unknown } {
  return typeof body === "object" && body !== null && "events" in body;
}

export function eventRoutes(store: ContactStore, defaultMarketingConsent: boolean): RouteDefinition[] {
  return [
    defineRoute({
      method: "post",
      path: "/v1/events",
      access: "ingest",
      tags: ["events"],
      summary: "Ingest one touchpoint or a batch of up to 5,000",
      description:
        "All or nothing: if any event is invalid the answer is 400 naming every `events.<index>.<field>` " +
        "and nothing is written; otherwise the whole batch is written in one transaction. A repeated " +
        "idempotency key (already stored or earlier in the batch) is accepted and reported as `duplicate`. " +
        "An event naming an anonymousId together with an email or id identifies the visitor: their " +
        "anonymous (ghost) history is merged into that contact. `occurredAt` may be omitted: the event " +
        "then happened when it was received.",
      body: EventsBody,
      bodyVariant: (raw) =>
        isBatch(raw) ? { schema: EventBatchBody, name: "event batch" } : { schema: EventBody, name: "event" },
      bodyExamples: {
        event: { summary: "One event", value: EVENT_EXAMPLE },
        batch: { summary: "A batch", value: EVENT_BATCH_EXAMPLE },
      },
      bodyLimit: EVENTS_BODY_LIMIT,
      responses: {
        200: { description: "Accepted and duplicate events, by index", schema: IngestResultView },
      },
      handle: async ({ body, res }) => {
        const batch = "events" in body;
        const receivedAt = new Date();
        const events = (batch ? body.events : [body]).map((event) => ({
          ...event,
          occurredAt: event.occurredAt ?? receivedAt,
        }));
        try {
          res.json(await ingestEvents(store, events, receivedAt, defaultMarketingConsent));
        } catch (error) {
          if (!(error instanceof EventRejectedError)) throw error;
          const prefix = (index: number) => (batch ? `events.${index}.` : "");
          throw new ProblemError(
            400,
            "Bad Request",
            "invalid event batch",
            error.problems.map((problem) => ({
              field: `${prefix(problem.index)}${problem.field}`,
              message: problem.message,
            })),
          );
        }
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/contacts/:id/timeline",
      access: "read",
      tags: ["contacts"],
      summary: "Events, stage changes, segment moves and held-back sends of a contact, latest first",
      params: ContactIdParams,
      notFoundWhat: "contact",
      responses: { 200: { description: `The latest ${TIMELINE_LIMIT} entries`, schema: TimelineView } },
      handle: async ({ params, res }) => {
        const contactId = params.id;
        const contact = await store.contact.findUnique({ where: { id: contactId }, select: { id: true } });
        if (!contact) throw notFound("contact");
        const recent = { where: { contactId }, take: TIMELINE_LIMIT };
        const [events, stages, segments, heldSends] = await Promise.all([
          store.event.findMany({ ...recent, orderBy: { occurredAt: "desc" } }),
          store.stageChange.findMany({ ...recent, orderBy: { occurredAt: "desc" } }),
          store.segmentMembership.findMany({ ...recent, orderBy: { enteredAt: "desc" } }),
          // Sends the sending rules held back or gave up (activities/sending); plain sends show as emails.
          store.sendDecision.findMany({
            where: { contactId, decision: { in: ["defer", "expire"] } },
            take: TIMELINE_LIMIT,
            orderBy: { decidedAt: "desc" },
          }),
        ]);
        const entries = [
          ...events.map((event) => ({
            at: event.occurredAt,
            kind: "event" as const,
            type: event.type,
            properties: event.properties,
          })),
          ...stages.map((change) => ({
            at: change.occurredAt,
            kind: "stage_changed" as const,
            from: change.fromStage,
            to: change.toStage,
            reason: change.reason,
            source: change.source,
          })),
          ...segments.map((membership) => ({
            at: membership.enteredAt,
            kind: "segment_entered" as const,
            segment: membership.segment,
            leftAt: membership.leftAt?.toISOString() ?? null,
          })),
          ...heldSends.map((held) => ({
            at: held.decidedAt,
            kind: held.decision === "defer" ? ("send_deferred" as const) : ("send_expired" as const),
            enrollmentId: held.enrollmentId,
            stepId: held.stepId,
            reason: held.reason,
            ...(held.deferUntil ? { until: held.deferUntil.toISOString() } : {}),
          })),
        ];
        entries.sort((a, b) => b.at.getTime() - a.at.getTime());
        res.json({
          contactId,
          entries: entries
            .slice(0, TIMELINE_LIMIT)
            .map(({ at, ...entry }) => ({ at: at.toISOString(), ...entry })),
        });
      },
    }),
  ];
}
