// /v1/sequences and /v1/enrollments: marketers define, version, simulate and steer their programs;
// operators follow each enrollment. Definitions are checked in full before anything is written.
import type { Client } from "@temporalio/client";
import { WorkflowNotFoundError } from "@temporalio/client";
import { listTemplates } from "../../activities/email/template-store.ts";
import {
  addSequenceVersion,
  createSequenceDraft,
  getSequence,
  listSequences,
  SequenceConflictError,
  type SequenceLifecycle,
  setSequenceLifecycle,
} from "../../activities/sequences/sequence-catalog.ts";
import type { NurtureflowConfig } from "../../domain/config.ts";
import { checkDefinition } from "../../domain/sequences/definition-check.ts";
import { durationMs } from "../../domain/sequences/duration.ts";
import { journalEntryView } from "../../domain/sequences/journal-view.ts";
import { SequenceDefinition } from "../../domain/sequences/sequence-schema.ts";
import { simulate, type TimelineEntry } from "../../domain/sequences/simulator.ts";
import { sequenceWorkflowId } from "../../domain/sequences/workflow-ids.ts";
import type { ContactStore } from "../../prisma/client.ts";
import {
  cancelEnrollmentSignal,
  sequenceRunViewQuery,
  sequenceStatusSignal,
} from "../../workflows/sequence-signals.ts";
import { notFound, ProblemError } from "../problem.ts";
import { defineRoute, type RouteDefinition } from "../route-definition.ts";
import {
  ActivateBody,
  EnrollmentDetailView,
  EnrollmentIdParams,
  EnrollmentQuery,
  EnrollmentView,
  SequenceBody,
  SequenceDetailView,
  SequenceKeyParams,
  SequenceSummaryView,
  SimulateBody,
  SimulationView,
} from "../schemas/sequence-schemas.ts";

export interface SequenceRouteDependencies {
  store: ContactStore;
  /** temporalUiUrl: the base of the Temporal Web UI for enrollment links. */
  config: Pick<NurtureflowConfig, "sendingRules" | "temporalNamespace" | "temporalUiUrl">;
  /** Signals running enrollments (pause, resume, archive, cancel); null: signals are not sent. */
  temporal: (() => Promise<Client>) | null;
}

async function checkedDefinition(store: ContactStore, body: unknown): Promise<SequenceDefinition> {
  const templates = new Set((await listTemplates(store)).map((template) => template.key));
  const result = checkDefinition(body, { templateExists: (key) => templates.has(key) });
  if (result.ok) return result.definition;
  throw new ProblemError(
    400,
    "Bad Request",
    "invalid sequence definition",
    result.faults.map((fault) => ({ field: fault.path, message: fault.message })),
  );
}

function conflict(error: unknown): never {
  if (error instanceof SequenceConflictError) throw new ProblemError(409, "Conflict", error.message);
  throw error;
}

export function sequenceRoutes(deps: SequenceRouteDependencies): RouteDefinition[] {
  const { store } = deps;

  // Running enrollments hear of pause, resume and archive at once; a run that misses the signal
  // (Temporal down) reads the status again when its next wait begins.
  async function tellRuns(key: string, status: "active" | "paused" | "archived"): Promise<void> {
    if (!deps.temporal) return;
    const running = await store.enrollment.findMany({ where: { sequenceKey: key, status: "running" } });
    const client = await deps.temporal().catch(() => null);
    if (!client) return;
    await Promise.all(
      running.map((enrollment) =>
        client.workflow
          .getHandle(sequenceWorkflowId(enrollment.sequenceKey, enrollment.contactId, enrollment.entryKey))
          .signal(sequenceStatusSignal, status)
          .catch(() => undefined),
      ),
    );
  }

  const lifecycleRoute = (verb: "activate" | "pause" | "resume" | "archive", to: SequenceLifecycle) =>
    defineRoute({
      method: "post",
      path: `/v1/sequences/:key/${verb}`,
      access: "admin",
      tags: ["sequences"],
      summary: `${verb[0]?.toUpperCase()}${verb.slice(1)} a sequence`,
      params: SequenceKeyParams,
      notFoundWhat: "sequence",
      ...(verb === "activate" ? { body: ActivateBody, bodyOptional: true, bodyName: "activation" } : {}),
      responses: {
        200: { description: "The sequence after the change", schema: SequenceSummaryView },
        409: { description: "Not allowed from the sequence's status" },
      },
      handle: async ({ params, body, res }) => {
        const version = (body as { version?: number } | undefined)?.version;
        const summary = await setSequenceLifecycle(store, params.key, to, version).catch(conflict);
        if (!summary) throw notFound("sequence");
        if (verb !== "activate")
          await tellRuns(params.key, to === "archived" ? "archived" : to === "paused" ? "paused" : "active");
        res.json(summary);
      },
    });

  const enrollmentView = (row: {
    id: string;
    sequenceKey: string;
    sequenceVersion: number;
    contactId: string;
    entryKey: string;
    status: string;
    exitReason: string | null;
    startedAt: Date;
    endedAt: Date | null;
  }) => {
    const workflowId = sequenceWorkflowId(row.sequenceKey, row.contactId, row.entryKey);
    return {
      id: row.id,
      sequence: row.sequenceKey,
      version: row.sequenceVersion,
      contactId: row.contactId,
      entryKey: row.entryKey,
      status: row.status,
      exitReason: row.exitReason,
      startedAt: row.startedAt.toISOString(),
      endedAt: row.endedAt?.toISOString() ?? null,
      workflowId,
      temporalUiUrl: `${deps.config.temporalUiUrl}/namespaces/${encodeURIComponent(deps.config.temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`,
    };
  };

  return [
    defineRoute({
      method: "post",
      path: "/v1/sequences",
      access: "admin",
      tags: ["sequences"],
      summary: "Create a sequence as a draft version 1",
      body: SequenceBody,
      bodyName: "sequence",
      responses: {
        201: { description: "Created", schema: SequenceDetailView },
        409: { description: "The key exists" },
      },
      // The body is checked again in full (templates, ids, reachability) before anything is written.
      handle: async ({ req, res }) => {
        const definition = await checkedDefinition(store, req.body);
        await createSequenceDraft(store, definition).catch(conflict);
        res.status(201).json(await getSequence(store, definition.key));
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/sequences",
      access: "read",
      tags: ["sequences"],
      summary: "Every sequence (built-ins included) with its status and live version",
      responses: { 200: { description: "The sequences" } },
      handle: async ({ res }) => {
        res.json({ sequences: await listSequences(store) });
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/sequences/:key",
      access: "read",
      tags: ["sequences"],
      summary: "A sequence with every version",
      params: SequenceKeyParams,
      notFoundWhat: "sequence",
      responses: { 200: { description: "The sequence", schema: SequenceDetailView } },
      handle: async ({ params, res }) => {
        const detail = await getSequence(store, params.key);
        if (!detail) throw notFound("sequence");
        res.json(detail);
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/sequences/:key/versions",
      access: "admin",
      tags: ["sequences"],
      summary: "Add an immutable version (running enrollments stay on theirs)",
      params: SequenceKeyParams,
      notFoundWhat: "sequence",
      body: SequenceDefinition.partial({ key: true }),
      bodyName: "sequence",
      responses: { 201: { description: "Added", schema: SequenceDetailView } },
      handle: async ({ params, req, res }) => {
        const given = req.body as { key?: unknown };
        if (given.key !== undefined && given.key !== params.key) {
          throw new ProblemError(400, "Bad Request", "invalid sequence", [
            { field: "key", message: `must be ${params.key} or left out` },
          ]);
        }
        if (!(await getSequence(store, params.key))) throw notFound("sequence");
        const definition = await checkedDefinition(store, { ...given, key: params.key });
        await addSequenceVersion(store, definition).catch(conflict);
        res.status(201).json(await getSequence(store, params.key));
      },
    }),
    lifecycleRoute("activate", "active"),
    lifecycleRoute("pause", "paused"),
    lifecycleRoute("resume", "active"),
    lifecycleRoute("archive", "archived"),
    defineRoute({
      method: "post",
      path: "/v1/sequences/:key/simulate",
      access: "read",
      tags: ["sequences"],
      summary:
        "What a run would do for a contact and a scripted timeline (no Temporal, database writes or email)",
      params: SequenceKeyParams,
      notFoundWhat: "sequence",
      body: SimulateBody,
      bodyName: "simulation",
      responses: { 200: { description: "The plan and how it ends", schema: SimulationView } },
      handle: async ({ params, body, res }) => {
        const detail = await getSequence(store, params.key);
        if (!detail) throw notFound("sequence");
        const version = body.version ?? detail.liveVersion ?? detail.latestVersion;
        const chosen = detail.versions.find((candidate) => candidate.version === version);
        if (!chosen) {
          throw new ProblemError(400, "Bad Request", "invalid simulation", [
            { field: "version", message: `sequence ${params.key} has no version ${version}` },
          ]);
        }
        const start = body.start ? Date.parse(body.start) : Date.now();
        const subjects = new Map(
          (await listTemplates(store)).map((template) => [template.key, template.subject]),
        );
        const timeline = body.timeline.map(({ after, ...what }) => ({
          at: start + durationMs(after),
          ...what,
        }));
        const result = simulate(
          SequenceDefinition.parse(chosen.definition),
          {
            contact: body.contact,
            start,
            ...(body.entryKey ? { entryKey: body.entryKey } : {}),
            timeline: timeline as TimelineEntry[],
            horizonMs: durationMs(body.horizon),
          },
          { sending: deps.config.sendingRules, subjectOf: (key) => subjects.get(key) ?? null },
        );
        res.json({ sequence: params.key, version, ...result });
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/enrollments",
      access: "read",
      tags: ["enrollments"],
      summary: "Enrollments by contact, sequence and status, latest first",
      query: EnrollmentQuery,
      responses: { 200: { description: "The enrollments" } },
      handle: async ({ query, res }) => {
        const rows = await store.enrollment.findMany({
          where: {
            ...(query.contactId ? { contactId: query.contactId } : {}),
            ...(query.sequence ? { sequenceKey: query.sequence } : {}),
            ...(query.status ? { status: query.status } : {}),
          },
          orderBy: { startedAt: "desc" },
          take: 500,
        });
        res.json({ enrollments: rows.map(enrollmentView) });
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/enrollments/:id",
      access: "read",
      tags: ["enrollments"],
      summary:
        "One enrollment: version, current step, next action, steps done, exit reason, Temporal UI link",
      params: EnrollmentIdParams,
      notFoundWhat: "enrollment",
      responses: { 200: { description: "The enrollment", schema: EnrollmentDetailView } },
      handle: async ({ params, res }) => {
        const row = await store.enrollment.findUnique({ where: { id: params.id } });
        if (!row) throw notFound("enrollment");
        const view = enrollmentView(row);
        // A running enrollment answers for itself; an ended one left its steps in the store.
        const live =
          row.status === "running" && deps.temporal
            ? await deps
                .temporal()
                .then((client) => client.workflow.getHandle(view.workflowId).query(sequenceRunViewQuery))
                .catch(() => null)
            : null;
        res.json({
          ...view,
          currentStep: live?.stepId ?? null,
          next: live?.next ?? null,
          steps: live
            ? live.journal.map(journalEntryView)
            : ((row.steps as Array<Record<string, unknown>> | null) ?? []),
        });
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/enrollments/:id/cancel",
      access: "admin",
      tags: ["enrollments"],
      summary: "Cancel a running enrollment (it exits before its next step)",
      params: EnrollmentIdParams,
      notFoundWhat: "enrollment",
      responses: {
        202: { description: "The run was told to exit", schema: EnrollmentView },
        409: { description: "The enrollment is not running" },
      },
      handle: async ({ params, res }) => {
        const row = await store.enrollment.findUnique({ where: { id: params.id } });
        if (!row) throw notFound("enrollment");
        if (row.status !== "running") throw new ProblemError(409, "Conflict", `enrollment is ${row.status}`);
        if (!deps.temporal) throw new ProblemError(503, "Service Unavailable", "Temporal is not configured");
        const view = enrollmentView(row);
        try {
          const client = await deps.temporal();
          await client.workflow
            .getHandle(view.workflowId)
            .signal(cancelEnrollmentSignal, "requested through the API");
        } catch (error) {
          if (error instanceof WorkflowNotFoundError)
            throw new ProblemError(409, "Conflict", "the run has ended");
          throw new ProblemError(503, "Service Unavailable", "Temporal is unreachable; try again");
        }
        res.status(202).json(view);
      },
    }),
  ];
}
