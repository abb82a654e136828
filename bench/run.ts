// `npm run bench`: runs the benchmarks and prints their figures with the machine they ran on.
// Results go into BENCHMARKS.md by hand. BENCH_ONLY=ingest|sweep|tracking runs one of them.
import { execSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { runEventsIngestBench } from "./events-ingest.bench.ts";
import { runSegmentSweepBench } from "./segment-sweep.bench.ts";
import { runTrackingApiBench } from "./tracking-api.bench.ts";

const only = process.env.BENCH_ONLY;
console.log(
  JSON.stringify({
    nproc: execSync("nproc").toString().trim(),
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  }),
);
if (!only || only === "ingest")
  console.log("events ingestion", JSON.stringify(await runEventsIngestBench(), null, 2));
if (!only || only === "sweep")
  console.log("segment sweep", JSON.stringify(await runSegmentSweepBench(), null, 2));
if (!only || only === "tracking")
  console.log("tracking API", JSON.stringify(await runTrackingApiBench(), null, 2));
process.exit(0);
