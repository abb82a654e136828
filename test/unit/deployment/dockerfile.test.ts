// The production Dockerfile, linted: dockerfile-utils (the validator behind editors' Dockerfile
// support) for syntax and instruction errors, and the rules this project holds the image to.
import { readFileSync } from "node:fs";
import { validate } from "dockerfile-utils";
import { describe, expect, test } from "vitest";

const dockerfile = readFileSync(new URL("../../../Dockerfile", import.meta.url), "utf8");
const checkedTags = JSON.parse(
  readFileSync(new URL("../../../docs/image-tags.json", import.meta.url), "utf8"),
) as { images: string[] };

/** Instructions with continuation lines joined; comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith("#"));
const finalStage = instructions.slice(instructions.findLastIndex((line) => line.startsWith("FROM ")));

describe("Dockerfile", () => {
  test("has no errors or warnings from the Dockerfile validator", () => {
    expect(validate(dockerfile).map((diagnostic) => diagnostic.message)).toEqual([]);
  });

  test("builds in one stage and runs from a pinned Node.js 24 LTS base in another", () => {
    const bases = instructions.filter((line) => line.startsWith("FROM ")).map((line) => line.split(/\s+/)[1]);
    expect(bases.length).toBeGreaterThanOrEqual(2);
    for (const base of bases) {
      expect(base).toMatch(/^node:24\.\d+\.\d+-/);
      expect(checkedTags.images).toContain(base);
    }
  });

  test("runs the compiled code as an unprivileged user, with a healthcheck, node as the process", () => {
    expect(finalStage).toContain("USER node");
    expect(finalStage.some((line) => line.startsWith("HEALTHCHECK "))).toBe(true);
    const cmd = finalStage.find((line) => line.startsWith("CMD "));
    expect(JSON.parse(cmd?.slice(4) ?? "null")).toEqual(["node", "dist/api/main.js"]);
    expect(finalStage.join("\n")).not.toMatch(/\bnpm (run|start)\b|\btsx\b/);
    expect(finalStage).toContain("ENV NODE_ENV=production");
  });
});
