// The columns of a contact that the API shows (api/routes/contact-routes.ts, toContactView): one list
// for the raw statements that read a contact back to answer with it.
import { type Contact, Prisma } from "../../generated/prisma/client.ts";

export type ContactViewRow = Pick<
  Contact,
  | "id"
  | "email"
  | "name"
  | "timeZone"
  | "lifecycleStage"
  | "highestStage"
  | "score"
  | "segment"
  | "marketingConsent"
  | "unsubscribedAt"
  | "properties"
  | "createdAt"
  | "updatedAt"
>;

/** The select list of a ContactViewRow (values as Prisma reads them: prisma/raw-statements.ts). */
export const CONTACT_VIEW_COLUMNS = Prisma.sql`id::text AS id, email, name, "timeZone", "lifecycleStage",
  "highestStage", score, segment, "marketingConsent", "unsubscribedAt", properties, "createdAt", "updatedAt"`;
