// `npm run bench`: the engine benchmarks (burst, latency, sleeping capacity, each beside its floor,
// written into BENCHMARKS.md) and then the component benchmarks (ingestion, segment sweep, tracking
// API, email delivery, sequence simulation), which print their figures. Small by default so it finishes in minutes on a laptop;
// `npm run bench -- --size large` runs the sizes of issue #10 (2,000 contacts, 100,000 sleepers).
// `--contacts N` sets the burst size, `--sleepers N` the parked enrollments; BENCH_ONLY=a,b runs only
// the named parts (burst, latency, sleeping, ingest, sweep, tracking, dev-memory, email, simulate).
import { parseArgs } from "node:util";
import {
  commandLine,
  machineLines,
  markdownTable,
  temporalCliVersion,
  versionLines,
  writeSection,
} from "./bench-report.ts";
import { runBurst, runLatency, runSleeping } from "./pipeline.bench.ts";
import { startPipelineStack } from "./pipeline-stack.ts";

const SIZES = {
  small: {
    burst: 300,
    latency: [
      { perSecond: 20, changes: 100 },
      { perSecond: 100, changes: 300 },
    ],
    // Parking goes through the API and the dispatcher at tens per second on a busy 2-core machine.
    sleepers: 500,
    noopFloor: 500,
    ingestEvents: 20_000,
    sweepContacts: 100_000,
  },
  large: {
    burst: 2_000,
    latency: [
      { perSecond: 20, changes: 600 },
      { perSecond: 100, changes: 3_000 },
    ],
    sleepers: 100_000,
    noopFloor: 10_000,
    ingestEvents: 100_000,
    sweepContacts: 1_000_000,
  },
} as const;

const { values: flags } = parseArgs({
  options: {
    size: { type: "string", default: "small" },
    contacts: { type: "string" },
    sleepers: { type: "string" },
  },
});
if (flags.size !== "small" && flags.size !== "large") throw new Error("--size is small or large");
const size = SIZES[flags.size];
const burstContacts = Number(flags.contacts ?? size.burst);
const sleepers = Number(flags.sleepers ?? size.sleepers);
const only = process.env.BENCH_ONLY?.split(",");
const wanted = (part: string) => !only || only.includes(part);

const LOAD_NOTE =
  "The machine has 2 cores shared with other engineers' test runs while this ran: the load average " +
  "below says how busy it was. Absolute figures move with that load; the ratios to the floors, " +
  "measured minutes apart in the same run on the same stack, are what to compare.";

function header(stack: { temporalCli: string }, date: string): string[] {
  return [
    `Measured ${date} with \`${commandLine()}\` (bench/run.ts, bench/pipeline.bench.ts): the API in the`,
    "benchmark process (over HTTP, 16 concurrent clients), one worker in its own process (the runtime of",
    "`npm run worker`, default settings), a Temporal dev server with a SQLite file, PostgreSQL on the same",
    "machine, an in-process SMTP sink that discards messages. Floors run on the same stack in the same run.",
    "",
    LOAD_NOTE,
    "",
    "Machine and versions:",
    "",
    ...machineLines(),
    ...versionLines({
      "Temporal CLI": temporalCliVersion(stack.temporalCli),
      "@temporalio/worker": "1.24.0",
      nodemailer: "10.6.0",
    }),
    "",
  ];
}

if (wanted("burst") || wanted("latency") || wanted("sleeping")) {
  const stack = await startPipelineStack("engine");
  try {
    const date = new Date().toISOString().slice(0, 16).replace("T", " ");
    if (wanted("burst")) {
      const burst = await runBurst(stack, burstContacts);
      const lines = [...header(stack, date), ...burst.lines];
      writeSection("Engine: burst of stage changes", lines);
      console.log(lines.join("\n"));
    }
    if (wanted("latency")) {
      const latency = await runLatency(stack, [...size.latency]);
      const lines = [
        ...header(stack, date),
        "Each stage change to `lead` is issued on a fixed schedule; latency runs from the API's",
        "acknowledgement to the welcome email's arrival at the SMTP sink.",
        "",
        ...latency.lines,
      ];
      writeSection("Engine: trigger-to-email latency", lines);
      console.log(lines.join("\n"));
    }
    if (wanted("sleeping")) {
      const sleeping = await runSleeping(stack, sleepers, Math.min(sleepers, size.noopFloor));
      const lines = [...header(stack, date), ...sleeping.lines];
      writeSection("Engine: sleeping enrollments", lines);
      console.log(lines.join("\n"));
    }
  } finally {
    await stack.stop();
  }
}

// The component benchmarks read their sizes when they load.
process.env.BENCH_EVENTS ??= String(size.ingestEvents);
process.env.BENCH_SWEEP_CONTACTS ??= String(size.sweepContacts);
if (wanted("ingest")) {
  const { runEventsIngestBench } = await import("./events-ingest.bench.ts");
  console.log("events ingestion", JSON.stringify(await runEventsIngestBench(), null, 2));
}
if (wanted("sweep")) {
  const { runSegmentSweepBench } = await import("./segment-sweep.bench.ts");
  console.log("segment sweep", JSON.stringify(await runSegmentSweepBench(), null, 2));
}
if (wanted("tracking")) {
  const { runTrackingApiBench } = await import("./tracking-api.bench.ts");
  console.log("tracking API", JSON.stringify(await runTrackingApiBench(), null, 2));
}
if (wanted("dev-memory")) {
  const { runDevMemoryBench } = await import("./dev-memory.bench.ts");
  const memory = await runDevMemoryBench();
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} with \`${commandLine()}\``,
    "(bench/dev-memory.bench.ts): `npm run dev` on free ports with a fresh data folder, the embedded",
    "database (no DATABASE_URL); resident memory (VmRSS) summed over the whole process tree, 10 s after",
    "the stack reported it was running, and 5 s after the first welcome email reached the mail inbox.",
    "RSS counts shared pages (the node binary, shared libraries) once per process, so its sum is an upper",
    "bound; PSS (/proc/PID/smaps_rollup) divides each shared page among the processes sharing it, so its",
    "sum is the memory the stack holds. Memory moves little with the CPU load of the other work on the",
    "machine; the load is noted all the same.",
    "",
    ...machineLines(),
    "",
    ...markdownTable(
      ["part", "RSS after start", "RSS after the first email", "PSS after the first email"],
      [
        ...memory.parts.map((part) => [
          part.name,
          `${part.afterStartMiB} MiB`,
          `${part.afterFirstEmailMiB} MiB`,
          `${part.afterFirstEmailPssMiB} MiB`,
        ]),
        [
          "**whole stack**",
          `**${memory.afterStartMiB} MiB**`,
          `**${memory.afterFirstEmailMiB} MiB**`,
          `**${memory.afterFirstEmailPssMiB} MiB**`,
        ],
      ],
    ),
  ];
  writeSection("Engine: `npm run dev` memory", lines);
  console.log(lines.join("\n"));
}
// Both run when they load; the email benchmark writes its own section of BENCHMARKS.md.
if (wanted("email")) await import("./email-delivery.bench.ts");
if (wanted("simulate")) await import("./sequence-simulation.bench.ts");
process.exit(0);
