// What the contact store holds about one person, table by table, and what erasure does to each: the
// one list both the export (GDPR article 15) and the erasure (article 17) walk. A unit test compares it
// with prisma/schema.prisma, so a new table keyed by the contact cannot be left out of either.
import type { Prisma } from "../../generated/prisma/client.ts";
import { erasedAddressKey } from "../consent/suppression.ts";

type Db = Prisma.TransactionClient;

/** The rows of one person: the contact, the ghosts merged into it, and its address(es). */
export interface ContactScope {
  contactIds: string[];
  /** Lower-cased addresses the person had (the suppression list's keys). */
  addresses: string[];
}

/** Placeholder for the not-null address of a send-ledger row whose contact was erased. */
export const ERASED_ADDRESS = "erased";

export interface RecordKind {
  /** The export document's key for these rows. */
  exportAs: string;
  rows(db: Db, scope: ContactScope): Promise<unknown[]>;
  /**
   * Removes or anonymises the personal data of these rows and answers how many it touched; null when
   * the rows hold none (ids, counts, times, rule names) and are kept whole for the aggregates.
   */
  erase: ((db: Db, scope: ContactScope, hashSecret: string) => Promise<number>) | null;
}

const ofContacts = (scope: ContactScope) => ({ contactId: { in: scope.contactIds } });

/** Every table keyed by a contact (its `contactId`) or by its address, by Prisma model name. */
export const CONTACT_RECORDS = {
  AnonymousIdentity: {
    exportAs: "anonymousIds",
    rows: (db, scope) =>
      db.anonymousIdentity.findMany({ where: ofContacts(scope), orderBy: { createdAt: "asc" } }),
    // A cookie id identifies the browser: it goes, and a later visit with it makes a new ghost.
    erase: async (db, scope) => (await db.anonymousIdentity.deleteMany({ where: ofContacts(scope) })).count,
  },
  Event: {
    exportAs: "events",
    rows: (db, scope) => db.event.findMany({ where: ofContacts(scope), orderBy: { occurredAt: "asc" } }),
    // Type and time feed the funnel and scoring reports; the properties are whatever the sender put there.
    erase: async (db, scope) =>
      (await db.event.updateMany({ where: ofContacts(scope), data: { properties: {} } })).count,
  },
  ProfileUpdate: {
    exportAs: "profileUpdates",
    rows: (db, scope) => db.profileUpdate.findMany({ where: ofContacts(scope), orderBy: { id: "asc" } }),
    erase: null,
  },
  StageChange: {
    exportAs: "stageChanges",
    rows: (db, scope) =>
      db.stageChange.findMany({ where: ofContacts(scope), orderBy: { occurredAt: "asc" } }),
    // Reasons given through the API are free text; those of rules and programs name the rule or step.
    erase: async (db, scope) =>
      (
        await db.stageChange.updateMany({
          where: { ...ofContacts(scope), source: "api" },
          data: { reason: "erased" },
        })
      ).count,
  },
  SegmentMembership: {
    exportAs: "segmentHistory",
    rows: (db, scope) =>
      db.segmentMembership.findMany({ where: ofContacts(scope), orderBy: { enteredAt: "asc" } }),
    erase: null,
  },
  ScoreContribution: {
    exportAs: "scorePoints",
    rows: (db, scope) =>
      db.scoreContribution.findMany({ where: ofContacts(scope), orderBy: { occurredAt: "asc" } }),
    erase: null,
  },
  Cart: {
    exportAs: "carts",
    rows: (db, scope) => db.cart.findMany({ where: ofContacts(scope), orderBy: { createdAt: "asc" } }),
    // Values stay for revenue reports; the lines and the link back to the cart go.
    erase: async (db, scope) =>
      (await db.cart.updateMany({ where: ofContacts(scope), data: { items: [], url: null } })).count,
  },
  Order: {
    exportAs: "orders",
    rows: (db, scope) => db.order.findMany({ where: ofContacts(scope), orderBy: { placedAt: "asc" } }),
    erase: async (db, scope) =>
      (await db.order.updateMany({ where: ofContacts(scope), data: { items: [] } })).count,
  },
  Enrollment: {
    exportAs: "enrollments",
    rows: (db, scope) => db.enrollment.findMany({ where: ofContacts(scope), orderBy: { startedAt: "asc" } }),
    // Sequence, version, outcome and the steps done: what the program reports count.
    erase: null,
  },
  SendLedger: {
    exportAs: "sends",
    rows: (db, scope) => db.sendLedger.findMany({ where: ofContacts(scope), orderBy: { id: "asc" } }),
    // Status, times and first open/click stay for the email reports; address, personalised subject and
    // the SMTP server's reply (which may quote the address) go.
    erase: async (db, scope) =>
      (
        await db.sendLedger.updateMany({
          where: ofContacts(scope),
          data: { toAddress: ERASED_ADDRESS, subject: null, error: null },
        })
      ).count,
  },
  SendDecision: {
    exportAs: "sendDecisions",
    rows: (db, scope) =>
      db.sendDecision.findMany({ where: ofContacts(scope), orderBy: { decidedAt: "asc" } }),
    erase: null,
  },
  WebhookDelivery: {
    exportAs: "webhookDeliveries",
    rows: (db, scope) =>
      db.webhookDelivery.findMany({ where: ofContacts(scope), orderBy: { createdAt: "asc" } }),
    // The receiver's error text is not ours to keep.
    erase: async (db, scope) =>
      (await db.webhookDelivery.updateMany({ where: ofContacts(scope), data: { error: null } })).count,
  },
  Outbox: {
    exportAs: "outbox",
    rows: (db, scope) => db.outbox.findMany({ where: ofContacts(scope), orderBy: { id: "asc" } }),
    // Payloads copy event properties; an undelivered row would steer runs that erasure ends.
    erase: async (db, scope) => (await db.outbox.deleteMany({ where: ofContacts(scope) })).count,
  },
  Suppression: {
    exportAs: "suppressions",
    rows: (db, scope) => db.suppression.findMany({ where: { email: { in: scope.addresses } } }),
    // The address must stay suppressed without staying readable: its entry is re-keyed by a keyed hash.
    erase: async (db, scope, hashSecret) => {
      let touched = 0;
      for (const address of scope.addresses) {
        const entry = await db.suppression.findUnique({ where: { email: address } });
        if (!entry) continue;
        await db.suppression.delete({ where: { email: address } });
        await db.suppression.upsert({
          where: { email: erasedAddressKey(hashSecret, address) },
          create: {
            email: erasedAddressKey(hashSecret, address),
            reason: entry.reason,
            createdAt: entry.createdAt,
          },
          update: {},
        });
        touched += 1;
      }
      return touched;
    },
  },
} satisfies Record<string, RecordKind>;

export type ContactRecordModel = keyof typeof CONTACT_RECORDS;

/** Tables with a `contactId` that hold nothing about the person, and why. */
export const NOT_ABOUT_THE_PERSON: Readonly<Record<string, string>> = {
  ContactErasure: "the audit entry of an erasure: the contact id, a time and counts",
  StageVisit:
    "derived by triggers from the contact's stage changes (exported and kept as they are): stages and times",
  OrderFact:
    "derived by triggers from the contact's orders (exported; erasure keeps them without their items): segment, order times, totals, the credited program",
  UnsubscribeCredit:
    "derived by triggers from the contact's unsubscribe time and emails (both exported and kept): that time and the program email it is credited to",
};
