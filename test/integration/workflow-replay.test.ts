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

  test("runs whose send activity applies the sending rules, and runs that asked a separate activity, are both among them", () => {
    // 27 bytes of the marker's JSON are 36 whole base64 characters, past where the two ids part.
    const inSend = Buffer.from('{"id":"sending-rules-in-send"').toString("base64").slice(0, 36);
    const texts = recorded.map((file) => readFileSync(`${HISTORIES}${file}`, "utf8"));
    expect(texts.some((text) => text.includes(inSend) && !text.includes("applySendingRules"))).toBe(true);
    expect(texts.some((text) => text.includes("applySendingRules"))).toBe(true);
  });

  test("runs whose store calls are local activities, and runs that scheduled them as activity tasks, are both among them", () => {
    const texts = recorded.map((file) => readFileSync(`${HISTORIES}${file}`, "utf8"));
    // A local activity is a marker in the history; an activity task names its type in clear.
    const local = texts.filter((text) => text.includes('"core_local_activity"'));
    expect(local.length).toBeGreaterThan(0);
    expect(local.every((text) => !text.includes('"readRunFacts"'))).toBe(true);
    expect(
      texts.some((text) => text.includes('"readRunFacts"') && !text.includes('"core_local_activity"')),
    ).toBe(true);
  });

  test("runs started with their trigger in their input, and runs that got it as their first signal, are both among them", () => {
    const texts = recorded.map((file) => readFileSync(`${HISTORIES}${file}`, "utf8"));
    // The start input is a base64 JSON payload: the flag's name, encoded at each of the three offsets.
    const flag = [0, 1, 2].map((offset) =>
      Buffer.from(`${"x".repeat(offset)}"triggerInInput":true`)
        .toString("base64")
        .slice(4, 24),
    );
    const inInput = texts.filter((text) => flag.some((encoded) => text.includes(encoded)));
    expect(inInput.length).toBeGreaterThan(0);
    expect(texts.length).toBeGreaterThan(inInput.length);
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
