// /v1/contacts: upsert by email, read, and move through lifecycle stages.
import { Router } from "express";
import { ContactNotFoundError, changeStageInTransaction } from "../../activities/contacts/stage-change.ts";
import type { LifecycleStage } from "../../domain/lifecycle/stages.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { notFound } from "../problem.ts";
import {
  ContactIdParams,
  ContactUpsert,
  type ContactView,
  StageChangeBody,
} from "../schemas/contact-schemas.ts";
import { parseOrThrow } from "../validation.ts";

type ContactRow = Awaited<ReturnType<ContactStore["contact"]["findUniqueOrThrow"]>>;

export function toContactView(contact: ContactRow): ContactView {
  return {
    id: contact.id,
    email: contact.email,
    name: contact.name,
    timeZone: contact.timeZone,
    lifecycleStage: contact.lifecycleStage as LifecycleStage,
    highestStage: contact.highestStage as LifecycleStage,
    score: contact.score,
    segment: contact.segment,
    marketingConsent: contact.marketingConsent,
    unsubscribedAt: contact.unsubscribedAt?.toISOString() ?? null,
    properties: contact.properties as Record<string, unknown>,
    createdAt: contact.createdAt.toISOString(),
    updatedAt: contact.updatedAt.toISOString(),
  };
}

/** Ids that are not even UUIDs name no contact: 404, like any other unknown id. */
export function contactIdOf(params: unknown): string {
  const parsed = ContactIdParams.safeParse(params);
  if (!parsed.success) throw notFound("contact");
  return parsed.data.id;
}

export function contactRoutes(store: ContactStore): Router {
  const router = Router();

  router.post("/contacts", async (req, res) => {
    const body = parseOrThrow(ContactUpsert, req.body, "contact");
    const { email, properties, ...fields } = body;
    // upsert is INSERT … ON CONFLICT (email), so concurrent calls cannot create two contacts; the read
    // before it only chooses between 201 and 200.
    const existing = await store.contact.findUnique({ where: { email }, select: { id: true } });
    const contact = await store.contact.upsert({
      where: { email },
      create: { email, ...fields, properties: (properties ?? {}) as Prisma.InputJsonValue },
      update: {
        ...fields,
        ...(properties ? { properties: properties as Prisma.InputJsonValue } : {}),
      },
    });
    res.status(existing ? 200 : 201).json(toContactView(contact));
  });

  router.get("/contacts/:id", async (req, res) => {
    const contact = await store.contact.findUnique({ where: { id: contactIdOf(req.params) } });
    if (!contact) throw notFound("contact");
    res.json(toContactView(contact));
  });

  router.put("/contacts/:id/stage", async (req, res) => {
    const contactId = contactIdOf(req.params);
    const body = parseOrThrow(StageChangeBody, req.body, "stage change");
    try {
      const outcome = await store.$transaction((tx) =>
        changeStageInTransaction(tx, {
          contactId,
          to: body.stage,
          reason: body.reason ?? "set through the API",
          source: "api",
        }),
      );
      const contact = await store.contact.findUniqueOrThrow({ where: { id: contactId } });
      res.json({ contact: toContactView(contact), change: outcome });
    } catch (error) {
      if (error instanceof ContactNotFoundError) throw notFound("contact");
      throw error;
    }
  });

  return router;
}
