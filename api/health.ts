// GET /healthz: whether this API replica can serve (its database answers), and which dependencies the
// workers last found degraded (ServiceHealth rows, written by the worker processes). A degraded
// dependency leaves the answer 200: the API itself serves, and restarting it would fix nothing.
import { z } from "zod";
import type { ContactStore } from "../prisma/client.ts";

export const HealthReport = z.object({
  status: z.enum(["ok", "degraded", "unavailable"]),
  database: z.enum(["ok", "unreachable"]),
  /** Per degraded component: the kind of failure (never its message: this route is public), since when, how often. */
  degraded: z
    .record(z.string(), z.object({ detail: z.string().nullable(), since: z.string(), failures: z.int() }))
    .optional(),
});
export type HealthReport = z.infer<typeof HealthReport>;

export async function healthReport(store: ContactStore): Promise<HealthReport> {
  let rows: Array<{ component: string; detail: string | null; since: Date; failures: number }>;
  try {
    rows = await store.serviceHealth.findMany({
      where: { status: "degraded" },
      select: { component: true, detail: true, since: true, failures: true },
    });
  } catch {
    return { status: "unavailable", database: "unreachable" };
  }
  if (rows.length === 0) return { status: "ok", database: "ok" };
  return {
    status: "degraded",
    database: "ok",
    degraded: Object.fromEntries(
      rows.map((row) => [
        row.component,
        { detail: row.detail, since: row.since.toISOString(), failures: row.failures },
      ]),
    ),
  };
}
