// POST /v1/events (one touchpoint or a batch) and GET /v1/contacts/:id/timeline.
//
// Batch semantics: all or nothing. Every event is validated first; if any is invalid the answer is
// 400 naming each offending `events.<index>.<field>` and nothing is written. A valid batch is written
// in one transaction. A repeated idempotency key (already stored, or earlier in the same batch) is
// accepted and reported as `duplicate` without any effect.
import { Router } from "express";
import { EventRejectedError } from "../../activities/events/contact-resolution.ts";
import { ingestEvents } from "../../activities/events/ingest-events.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { notFound, ProblemError } from "../problem.ts";
import { EventBatchBody, EventBody } from "../schemas/event-schemas.ts";
import { parseOrThrow } from "../validation.ts";
import { contactIdOf } from "./contact-routes.ts";

const TIMELINE_LIMIT = 200;

function isBatch(body: unknown): boolean {
  return typeof body === "object" && body !== null && "events" in body;
}

export function eventRoutes(store: ContactStore, defaultMarketingConsent: boolean): Router {
  const router = Router();

  router.post("/events", async (req, res) => {
    const batch = isBatch(req.body);
    const events = batch
      ? parseOrThrow(EventBatchBody, req.body, "event batch").events
      : [parseOrThrow(EventBody, req.body, "event")];
    try {
      res.json(await ingestEvents(store, events, new Date(), defaultMarketingConsent));
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
  });

  /** Events, stage changes, segment moves and held-back sends of a contact, latest first. */
  router.get("/contacts/:id/timeline", async (req, res) => {
    const contactId = contactIdOf(req.params);
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
  });

  return router;
}
