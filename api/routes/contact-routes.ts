// /v1/contacts: upsert by email, find, read, move through lifecycle stages, and the data-subject
// rights: export everything stored about a contact, erase it.
import { type Client, WorkflowNotFoundError } from "@temporalio/client";
import { eraseContact, type RunCanceller } from "../../activities/contacts/contact-erasure.ts";
import { exportContact } from "../../activities/contacts/contact-export.ts";
import { listContacts } from "../../activities/contacts/contact-list.ts";
import { upsertContactByEmail } from "../../activities/contacts/contact-upsert.ts";
import { CONTACT_VIEW_COLUMNS, type ContactViewRow } from "../../activities/contacts/contact-view-row.ts";
import { ContactNotFoundError, changeStageInTransaction } from "../../activities/contacts/stage-change.ts";
import { refreshSegments } from "../../activities/segments/contact-segments.ts";
import { readRuleSettings } from "../../activities/settings/rule-settings.ts";
import type { NurtureflowConfig } from "../../domain/config.ts";
import { decodeCursor } from "../../domain/contacts/list-cursor.ts";
import type { LifecycleStage } from "../../domain/lifecycle/stages.ts";
import { type ContactStore, sqlPool } from "../../prisma/client.ts";
import { rawStatements, rawTransaction } from "../../prisma/raw-statements.ts";
import { cancelEnrollmentSignal } from "../../workflows/sequence-signals.ts";
import { notFound, ProblemError } from "../problem.ts";
import { defineRoute, type RouteDefinition } from "../route-definition.ts";
import {
  ContactErasureView,
  ContactExport,
  ContactIdParams,
  ContactListQuery,
  ContactPage,
  ContactUpsert,
  ContactView,
  StageChangeBody,
  StageChangeView,
} from "../schemas/contact-schemas.ts";

export function toContactView(contact: ContactViewRow): ContactView {
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

export interface ContactRouteDependencies {
  store: ContactStore;
  /** defaultMarketingConsent: of a contact created without `marketingConsent`; erasureHashSecret: see suppression.ts. */
  config: Pick<NurtureflowConfig, "defaultMarketingConsent" | "erasureHashSecret">;
  /** Erasure tells the contact's running programs to exit; without a client it answers 503. */
  temporal: (() => Promise<Client>) | null;
}

const erased = (erasedAt: Date) =>
  new ProblemError(410, "Gone", `the contact was erased at ${erasedAt.toISOString()}`);

/** Signals a run to exit; a run that has ended is not an error, Temporal being unreachable is (503). */
function temporalCanceller(temporal: (() => Promise<Client>) | null): RunCanceller {
  return async (workflowId, reason) => {
    try {
      if (!temporal) throw new Error("the API has no Temporal client");
      const client = await temporal();
      await client.workflow.getHandle(workflowId).signal(cancelEnrollmentSignal, reason);
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw new ProblemError(
        503,
        "Service Unavailable",
        "the personal data is erased, but Temporal is unreachable so running programs were not yet told to exit: send the DELETE again",
      );
    }
  };
}

export function contactRoutes({ store, config, temporal }: ContactRouteDependencies): RouteDefinition[] {
  const defaultMarketingConsent = config.defaultMarketingConsent;
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
        const { contact, created } = await upsertContactByEmail(store, body, defaultMarketingConsent);
        res.status(created ? 201 : 200).json(toContactView(contact));
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
      responses: { 200: { description: "The contact", schema: ContactView }, 410: { description: "Erased" } },
      handle: async ({ params, res }) => {
        // Through pg: half the CPU of the ORM's read (BENCHMARKS.md, "Engine: sixth round").
        const [contact] = await rawStatements(sqlPool(store)).$queryRaw<
          Array<ContactViewRow & { erasedAt: Date | null }>
        >`SELECT ${CONTACT_VIEW_COLUMNS}, "erasedAt" FROM "Contact" WHERE id = ${params.id}::uuid`;
        if (!contact) throw notFound("contact");
        if (contact.erasedAt) throw erased(contact.erasedAt);
        res.json(toContactView(contact));
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/contacts",
      access: "read",
      tags: ["contacts"],
      summary: "Find contacts by email, stage or segment, in creation order, a page at a time",
      description:
        "Pass the answer's nextCursor as cursor for the next page (null: the last page). Merged ghosts and erased contacts are not listed.",
      query: ContactListQuery,
      responses: { 200: { description: "One page of contacts", schema: ContactPage } },
      handle: async ({ query, res }) => {
        const page = await listContacts(store, {
          email: query.email,
          stage: query.stage,
          segment: query.segment,
          after: query.cursor ? decodeCursor(query.cursor) : null,
          limit: query.limit,
        });
        res.json({ contacts: page.contacts.map(toContactView), nextCursor: page.nextCursor });
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/contacts/:id/export",
      access: "read",
      tags: ["contacts"],
      summary: "Everything stored about a contact, as one JSON document (GDPR right of access)",
      params: ContactIdParams,
      notFoundWhat: "contact",
      responses: {
        200: { description: "The export", schema: ContactExport },
        410: { description: "Erased" },
      },
      handle: async ({ params, res }) => {
        const outcome = await exportContact(store, params.id);
        if (outcome.status === "not_found") throw notFound("contact");
        if (outcome.status === "erased") throw erased(outcome.erasedAt);
        res
          .set("content-disposition", `attachment; filename="contact-${params.id}.json"`)
          .json(outcome.document);
      },
    }),
    defineRoute({
      method: "delete",
      path: "/v1/contacts/:id",
      access: "admin",
      tags: ["contacts"],
      summary: "Erase a contact (GDPR right to erasure): personal data removed, running programs cancelled",
      description:
        "Idempotent: erasing an erased contact answers its audit entry again (and retries cancelling any run still running).",
      params: ContactIdParams,
      notFoundWhat: "contact",
      responses: {
        200: { description: "Erased now, or earlier: the audit entry", schema: ContactErasureView },
        503: { description: "Erased, but Temporal was unreachable: runs not yet cancelled; send it again" },
      },
      handle: async ({ params, res }) => {
        const outcome = await eraseContact(store, params.id, {
          hashSecret: config.erasureHashSecret,
          cancel: temporalCanceller(temporal),
        });
        if (outcome.status === "not_found") throw notFound("contact");
        const { entry } = outcome;
        res.json({
          contactId: entry.contactId,
          erasedAt: entry.erasedAt.toISOString(),
          runsCancelled: entry.runsCancelled,
          records: entry.records,
        });
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
      responses: {
        200: { description: "The contact and the change made", schema: StageChangeView },
        410: { description: "Erased" },
      },
      handle: async ({ params, body, res }) => {
        // Both reads straight through pg, at once: every stage change set through the API starts here.
        const [target, { segments }] = await Promise.all([
          sqlPool(store).query<{ erasedAt: Date | null }>(
            // The column is UTC without a zone: as timestamptz, pg reads the instant right.
            `SELECT "erasedAt" AT TIME ZONE 'UTC' AS "erasedAt" FROM "Contact" WHERE id = $1::uuid`,
            [params.id],
          ),
          readRuleSettings(sqlPool(store)),
        ]);
        const erasedAt = target.rows[0]?.erasedAt;
        if (erasedAt) throw erased(erasedAt);
        try {
          // On a pg connection: through Prisma each of the transaction's statements cost about four
          // times the CPU (BENCHMARKS.md, "Engine: sixth round").
          const { change, contact } = await rawTransaction(store, async (tx) => {
            const change = await changeStageInTransaction(tx, {
              contactId: params.id,
              to: body.stage,
              reason: body.reason ?? "set through the API",
              source: "api",
            });
            // The stage is part of the segment's profile (qualified interest): recompute it as an event
            // would, under the row lock changeStageInTransaction holds.
            if (change.changed) await refreshSegments(tx, [params.id], new Date(), segments);
            const [contact] = await tx.$queryRaw<ContactViewRow[]>`
              SELECT ${CONTACT_VIEW_COLUMNS} FROM "Contact" WHERE id = ${params.id}::uuid`;
            return { change, contact: contact as ContactViewRow };
          });
          res.json({ contact: toContactView(contact), change });
        } catch (error) {
          if (error instanceof ContactNotFoundError) throw notFound("contact");
          throw error;
        }
      },
    }),
  ];
}
