// Recorded workflow histories are the replay test's input (test/histories/). A test run with
// RECORD_HISTORIES=test/histories writes the histories of the runs a test names; without it, nothing.
// The Temporal CLI's JSON export is the format Worker.runReplayHistory reads.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";

export function recordHistory(workflowId: string, name: string): void {
  const directory = process.env.RECORD_HISTORIES;
  if (!directory) return;
  const json = execFileSync(
    inject("temporalCli"),
    [
      "workflow",
      "show",
      "--workflow-id",
      workflowId,
      "--address",
      inject("temporalAddress"),
      "--output",
      "json",
    ],
    { encoding: "utf8" },
  );
  writeFileSync(join(directory, `${name}.json`), json);
}
