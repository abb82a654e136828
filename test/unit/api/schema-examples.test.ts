import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { ContactUpsert, ContactView, StageChangeBody } from "../../../api/schemas/contact-schemas.ts";
import {
  EVENT_BATCH_EXAMPLE,
  EVENT_EXAMPLE,
  EventsBody,
  IngestResultView,
} from "../../../api/schemas/event-schemas.ts";
import { SequenceBody, SimulateBody } from "../../../api/schemas/sequence-schemas.ts";

// The examples /docs shows are requests a user may send as they are: each must pass its own schema.
describe("examples in the OpenAPI document", () => {
  const withExamples: Record<string, z.ZodType> = {
    ContactUpsert,
    ContactView,
    StageChangeBody,
    IngestResultView,
    SequenceBody,
    SimulateBody,
  };
  it.each(Object.entries(withExamples))("%s's examples pass it", (_name, schema) => {
    const examples = (schema.meta()?.examples ?? []) as unknown[];
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) expect(schema.safeParse(example).error).toBeUndefined();
  });

  it("the events examples (one event, a batch) pass the events body", () => {
    for (const example of [EVENT_EXAMPLE, EVENT_BATCH_EXAMPLE]) {
      expect(EventsBody.safeParse(example).error).toBeUndefined();
    }
  });
});
