// Cost of one simulation: a 20-step sequence (emails, waits, a weekday-morning wait, branches) over a
// 90-day horizon, against the raw floor of a bare loop over the same steps in the same run.
import { cpus } from "node:os";
import { SequenceDefinition } from "../domain/sequences/sequence-schema.ts";
import { simulate } from "../domain/sequences/simulator.ts";

const steps: unknown[] = [];
for (let index = 0; index < 5; index++) {
  steps.push(
    { id: `mail-${index}`, type: "send_email", template: "nurture-mql" },
    { id: `wait-${index}`, type: "wait", duration: "3d" },
    { id: `morning-${index}`, type: "wait_until", time: "09:00", days: ["mon", "tue", "wed", "thu", "fri"] },
    {
      id: `check-${index}`,
      type: "branch",
      if: { score: { gte: 1_000 } },
      // biome-ignore lint/suspicious/noThenProperty: "then" is the language's field name (DESIGN §2a).
      then: [{ id: `hot-${index}`, type: "exit" }],
    },
  );
}
const definition = SequenceDefinition.parse({
  key: "bench",
  name: "bench",
  category: "marketing",
  trigger: { type: "stage_entered", stage: "mql" },
  steps,
});
const input = {
  contact: { stage: "mql" as const, segment: "lead", score: 0, properties: {}, timeZone: "Europe/Rome" },
  start: Date.parse("2026-12-01T10:00:00Z"),
  timeline: [{ at: Date.parse("2026-12-05T10:00:00Z"), event: { type: "page_view" } }],
  horizonMs: 90 * 86_400_000,
};
const rules = {
  sending: {
    frequencyCaps: [{ limit: 2, window: "1d" }],
    quietHours: { start: "21:00", end: "08:00" },
    defaultTimeZone: "UTC",
  },
  subjectOf: () => "subject",
};

function measure(label: string, runs: number, work: () => unknown): number {
  for (let i = 0; i < Math.min(200, runs); i++) work();
  const started = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) work();
  const perRun = Number(process.hrtime.bigint() - started) / runs / 1_000;
  console.log(`${label}: ${perRun.toFixed(2)} µs per run (${runs} runs)`);
  return perRun;
}

const steps20 = definition.steps;
let sink = 0;
const floor = measure("raw floor (bare loop over the 20 steps)", 200_000, () => {
  for (const step of steps20) sink += step.id.length;
});
const result = simulate(definition, input, rules);
const cost = measure("simulate 20 steps over 90 days", 2_000, () => simulate(definition, input, rules));
console.log(`plan: ${result.steps.length} entries, ending ${result.ending.status} (${result.ending.reason})`);
console.log(
  `ratio to floor: ${(cost / floor).toFixed(0)}x; machine: ${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}`,
);
if (sink < 0) console.log(sink);
