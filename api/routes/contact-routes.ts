// /v1/contacts: upsert by email, read, and move through lifecycle stages.
import { ContactNotFoundError, changeStageInTransaction } from "../../activities/contacts/stage-change.ts";
import { refreshSegments } from "../../activities/segments/contact-segments.ts";
import { loadRuleSettings } from "../../activities/settings/rule-settings.ts";
import type { LifecycleStage } from "../../domain/lifecycle/stages.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { notFound } from "../problem.ts";
import { defineRoute, type RouteDefinition } from "../route-definition.ts";
import {
  ContactIdParams,
  ContactUpsert,
  ContactView,
  StageChangeBody,
  StageChangeView,
} from "../schemas/contact-schemas.ts";

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

/** defaultMarketingConsent: consent of a contact created without `marketingConsent` (DEFAULT_MARKETING_CONSENT). */
export function contactRoutes(store: ContactStore, defaultMarketingConsent = false): RouteDefinition[] {
  return [
    defineRoute({
      method: "post",
      path: "/v1/contacts",
      access: "write",
      tags: ["contacts"],
      summary: "Create or update a contact by email",
      body: ContactUpsert,
      bodyName: "contact",
      responses: {
        200: { description: "Updated", schema: ContactView },
        201: { description: "Created", schema: ContactView },
      },
      handle: async ({ body, res }) => {
        const { email, properties, ...fields } = body;
        // upsert is INSERT … ON CONFLICT (email), so concurrent calls cannot create two contacts; the read
        // before it only chooses between 201 and 200.
        const existing = await store.contact.findUnique({ where: { email }, select: { id: true } });
        const contact = await store.contact.upsert({
          where: { email },
          create: {
            email,
            ...fields,
            marketingConsent: fields.marketingConsent ?? defaultMarketingConsent,
            properties: (properties ?? {}) as Prisma.InputJsonValue,
          },
          update: {
            ...fields,
            ...(properties ? { properties: properties as Prisma.InputJsonValue } : {}),
          },
        });
        res.status(existing ? 200 : 201).json(toContactView(contact));
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/contacts/:id",
      access: "read",
      tags: ["contacts"],
      summary: "Read a contact",
      params: ContactIdParams,
      notFoundWhat: "contact",
      responses: { 200: { description: "The contact", schema: ContactView } },
      handle: async ({ params, res }) => {
        const contact = await store.contact.findUnique({ where: { id: params.id } });
        if (!contact) throw notFound("contact");
        res.json(toContactView(contact));
      },
    }),
    defineRoute({
      method: "put",
      path: "/v1/contacts/:id/stage",
      access: "write",
      tags: ["contacts"],
      summary: "Move a contact to a lifecycle stage (forward or backward)",
      params: ContactIdParams,
      notFoundWhat: "contact",
      body: StageChangeBody,
      bodyName: "stage change",
      responses: { 200: { description: "The contact and the change made", schema: StageChangeView } },
      handle: async ({ params, body, res }) => {
        try {
          const { segments } = await loadRuleSettings(store);
          const outcome = await store.$transaction(async (tx) => {
            const change = await changeStageInTransaction(tx, {
              contactId: params.id,
              to: body.stage,
              reason: body.reason ?? "set through the API",
              source: "api",
            });
            // The stage is part of the segment's profile (qualified interest): recompute it as an event
            // would, under the row lock changeStageInTransaction holds.
            if (change.changed) await refreshSegments(tx, [params.id], new Date(), segments);
            return change;
          });
          const contact = await store.contact.findUniqueOrThrow({ where: { id: params.id } });
          res.json({ contact: toContactView(contact), change: outcome });
        } catch (error) {
          if (error instanceof ContactNotFoundError) throw notFound("contact");
          throw error;
        }
      },
    }),
  ];
}
