// An update_contact step's store call (activities/sequences/run-activities.ts) on its own: the stage,
// the properties and the points in one transaction, and a retry of the same step changes nothing more.
import { afterAll, beforeAll, expect, inject, test } from "vitest";
import { createSequenceRunActivities } from "../../activities/sequences/run-activities.ts";
import { type ContactStore, openContactStore } from "../../prisma/client.ts";
import { createDatabaseFromTemplate } from "../support/postgres.ts";

let store: ContactStore;

beforeAll(async () => {
  store = openContactStore(await createDatabaseFromTemplate(inject("templateDatabase")), 2);
});
afterAll(() => store.$disconnect());

test("the step moves the stage, merges the properties and adds its points once", async () => {
  const contact = await store.contact.create({
    data: { email: "step@example.com", properties: { plan: "free" }, timeZone: "Europe/Paris" },
  });
  const activities = createSequenceRunActivities(store, "UTC");
  const step = {
    contactId: contact.id,
    enrollmentId: "nurture/step-test",
    stepId: "hand-off",
    set: { stage: "sql" as const, properties: { handedOff: true } },
    addScore: 15,
  };
  const first = await activities.updateContactFromStep(step);
  expect(first).toEqual({
    stage: "sql",
    segment: "new",
    score: 15,
    properties: { plan: "free", handedOff: true },
    timeZone: "Europe/Paris",
  });
  // Temporal retries an activity whose answer was lost: the same step again.
  expect(await activities.updateContactFromStep(step)).toEqual(first);

  const points = await store.scoreContribution.findMany({ where: { contactId: contact.id } });
  expect(points.map(({ rule, points }) => ({ rule, points }))).toEqual([
    { rule: "sequence:nurture/step-test#hand-off", points: 15 },
  ]);
  const moves = await store.stageChange.findMany({ where: { contactId: contact.id } });
  expect(moves.map(({ toStage, source }) => ({ toStage, source }))).toEqual([
    { toStage: "sql", source: "workflow" },
  ]);
  expect(await store.contact.findUniqueOrThrow({ where: { id: contact.id } })).toMatchObject({
    lifecycleStage: "sql",
    highestStage: "sql",
    score: 15,
  });
});

test("a contact that no longer exists is reported as gone, nothing written", async () => {
  const activities = createSequenceRunActivities(store, "UTC");
  const gone = await activities.updateContactFromStep({
    contactId: "00000000-0000-4000-8000-00000000dead",
    enrollmentId: "nurture/gone",
    stepId: "hand-off",
    set: { stage: "sql" },
    addScore: 5,
  });
  expect(gone).toBeNull();
  expect(await store.scoreContribution.count({ where: { rule: "sequence:nurture/gone#hand-off" } })).toBe(0);
});
