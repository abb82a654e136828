// Every email step of the built-in programs gives its template what it prints: rendered strictly with
// only what a real send adds (the contact, sender, links, and the cart or order of the run) plus the
// step's own data, no field may be missing.
import { describe, expect, it } from "vitest";
import { loadFileTemplate } from "../../../activities/email/file-templates.ts";
import { compileTemplate } from "../../../activities/email/template-compiler.ts";
import { BUILT_IN_SEQUENCES } from "../../../domain/sequences/built-in-sequences.ts";
import type { SendEmailStep, SequenceStep } from "../../../domain/sequences/sequence-schema.ts";

function emailSteps(steps: readonly SequenceStep[]): SendEmailStep[] {
  return steps.flatMap((step) => {
    if (step.type === "send_email") return [step];
    if (step.type === "branch" || step.type === "wait_for_event") {
      return [...emailSteps(step.then ?? []), ...emailSteps(step.else ?? [])];
    }
    return [];
  });
}

// What the send activity fills in itself, whatever the step says.
const FILLED_BY_THE_SEND = ["trackers", "cart", "order", "product"];

const cases = Object.values(BUILT_IN_SEQUENCES).flatMap((definition) =>
  emailSteps(definition.steps).map(
    (step) => [`${definition.key} ${step.id}`, definition.category, step] as const,
  ),
);

describe("the built-in programs' emails", () => {
  it("cover every built-in template", async () => {
    const used = new Set(cases.map(([, , step]) => step.template));
    expect(used.size).toBe(17);
  });

  it.each(cases)("%s renders with the step's data", async (_, category, step) => {
    const template = await loadFileTemplate(step.template);
    if (!template) throw new Error(`no template ${step.template}`);
    if (category === "transactional") expect(template.category).toBe("transactional");
    const { contact, sender, unsubscribeUrl, ...rest } = template.sampleData;
    const filled = Object.fromEntries(
      Object.entries(rest).filter(([key]) => FILLED_BY_THE_SEND.includes(key)),
    );
    const email = (await compileTemplate(template, { strict: true })).render({
      contact,
      sender,
      unsubscribeUrl,
      ...filled,
      ...step.data,
    });
    expect(email.subject.length).toBeGreaterThan(5);
    expect(email.text).not.toContain("{{");
  });
});
