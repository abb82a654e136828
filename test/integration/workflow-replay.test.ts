// Every change to workflow code must keep recorded histories replayable (or be guarded by patched()):
// the histories in test/histories/ were recorded from real runs of earlier versions of the code.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "@temporalio/worker";
import { describe, expect, inject, test } from "vitest";
import { quietTemporalRuntime } from "../support/quiet-runtime.ts";

const HISTORIES = fileURLToPath(new URL("../histories/", import.meta.url));
const recorded = readdirSync(HISTORIES).filter((file) => file.endsWith(".json"));

describe("replay of recorded workflow histories", () => {
  test("there are recorded histories to replay", () => {
    expect(recorded.length).toBeGreaterThan(0);
  });

  test("runs recorded before and after the sending rules acted on sends are both among them", () => {
    const markers = recorded.map((file) => {
      const text = readFileSync(`${HISTORIES}${file}`, "utf8");
      const v1 = text.includes('"sequenceRunWorkflow"');
      // Patch markers carry their id in a base64 JSON payload.
      const patched = text.includes(Buffer.from('{"id":"sending-rules"').toString("base64").slice(0, 24));
      return { v1, patched };
    });
    expect(markers.some(({ v1, patched }) => v1 && patched)).toBe(true);
    expect(markers.some(({ v1, patched }) => v1 && !patched)).toBe(true);
  });

  test.each(recorded)("%s replays without nondeterminism", async (file) => {
    quietTemporalRuntime();
    const history = JSON.parse(readFileSync(`${HISTORIES}${file}`, "utf8"));
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: { codePath: inject("workflowBundlePath") } },
        history,
        file.replace(/\.json$/, ""),
      ),
    ).resolves.toBeUndefined();
  });
});
