// Issue #13: the README cannot drift from the product. Every ```sh / ```bash / ```shell block of
// README.md that calls curl runs here, in README order, with bash and the real curl, against the stack
// `npm run dev` starts (API, worker with the built-in programs seeded, Temporal, an SMTP server). Each
// curl's HTTP status is checked against the `# → <status>` comment after it (2xx when it states none),
// and every `"field":value` the comment states (a number, true/false/null, or a string without `…`,
// `...` or a `<placeholder>`) must occur in the answer.
//
// Conventions for README authors:
// - `localhost:3000` is the API; `<contact id>` is the walk-through's contact (ada@example.com),
//   `<id of someone@example.com>` the contact with that address, `<url-encoded enrollment id>` the
//   newest running enrollment (of a contact not erased). Any other `<placeholder>` fails this test: add it to PLACEHOLDERS.
// - A shell block that must not run (it starts servers, needs a terminal, or is not curl) is marked
//   by the line `<!-- readme-test: skip -->` right above its fence. An unmarked block without curl fails
//   this test, so every shell example is either run or knowingly skipped.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { seedBuiltInSequences } from "../../activities/sequences/built-in-seeding.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { startTestStack, type TestStack } from "../support/test-stack.ts";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const SKIP_MARKER = "<!-- readme-test: skip -->";

interface Command {
  text: string;
  /** The `# → …` comment that follows it, continuation lines included. */
  expected: string;
}

interface ShellBlock {
  line: number;
  heading: string;
  skipped: boolean;
  commands: Command[];
  /** Lines of the block that are not curl calls (variable assignments): run before each call. */
  preamble: string[];
}

const quotesOpen = (text: string) => (text.match(/'/g)?.length ?? 0) % 2 === 1;

function commandsOf(lines: string[]): { commands: Command[]; preamble: string[] } {
  const commands: Command[] = [];
  const preamble: string[] = [];
  let current: string | null = null;
  let collecting = false;
  for (const line of lines) {
    if (current !== null) {
      current += `\n${line}`;
    } else if (line.trim().startsWith("#")) {
      const comment = line.trim().replace(/^#\s*/, "");
      const last = commands.at(-1);
      if (comment.startsWith("→") && last) {
        last.expected = comment.slice(1).trim();
        collecting = true;
      } else if (collecting && last && /^[{}[\]"]/.test(comment)) {
        last.expected += comment;
      } else {
        collecting = false;
      }
      continue;
    } else if (line.trim()) {
      current = line;
      collecting = false;
    } else {
      continue;
    }
    if (quotesOpen(current) || current.endsWith("\\")) continue;
    if (/^\s*curl\s/.test(current)) commands.push({ text: current, expected: "" });
    else preamble.push(current);
    current = null;
  }
  return { commands, preamble };
}

function shellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split("\n");
  const blocks: ShellBlock[] = [];
  let heading = "";
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? "";
    if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, "");
    const fence = /^```(\w*)\s*$/.exec(line);
    if (!fence) continue;
    const end = lines.indexOf("```", index + 1);
    const body = lines.slice(index + 1, end);
    if (["sh", "bash", "shell"].includes(fence[1] ?? "")) {
      let previous = index - 1;
      while (previous >= 0 && !lines[previous]?.trim()) previous -= 1;
      blocks.push({
        line: index + 1,
        heading,
        skipped: lines[previous]?.trim() === SKIP_MARKER,
        ...commandsOf(body),
      });
    }
    index = end;
  }
  return blocks;
}

/** Status and `"field":value` pairs a `# →` comment states. */
function expectationOf(comment: string): { status: number | null; fields: Array<[string, unknown]> } {
  const status = /^(\d{3})\b/.exec(comment)?.[1];
  const fields: Array<[string, unknown]> = [];
  for (const match of comment.matchAll(/"(\w+)":(-?\d+(?:\.\d+)?|true|false|null|"(?:[^"\\]|\\.)*")/g)) {
    const [, key, raw] = match;
    if (!key || !raw || /…|\.\.\.|</.test(raw)) continue;
    fields.push([key, JSON.parse(raw)]);
  }
  return { status: status ? Number(status) : null, fields };
}

function holds(value: unknown, key: string, expected: unknown): boolean {
  if (Array.isArray(value)) return value.some((item) => holds(item, key, expected));
  if (value === null || typeof value !== "object") return false;
  return Object.entries(value).some(
    ([name, item]) => (name === key && Object.is(item, expected)) || holds(item, key, expected),
  );
}

let sink: SmtpSink;
let stack: TestStack;
let output: string;

async function idOfEmail(email: string): Promise<string> {
  const contact = await stack.store.contact.findFirst({ where: { email, erasedAt: null } });
  if (!contact) throw new Error(`the README names ${email} before any example created it`);
  return contact.id;
}

const PLACEHOLDERS: Array<[RegExp, (match: RegExpExecArray) => Promise<string>]> = [
  [/<contact id>/, () => idOfEmail("ada@example.com")],
  [/<id of ([^>\s]+@[^>\s]+)>/, (match) => idOfEmail(match[1] ?? "")],
  [
    /<url-encoded enrollment id>/,
    async () => {
      const newest = await stack.store.enrollment.findFirst({
        // An erased contact's runs are ending already.
        where: { status: "running", contact: { erasedAt: null } },
        orderBy: { startedAt: "desc" },
      });
      if (!newest) throw new Error("no running enrollment for <url-encoded enrollment id>");
      return encodeURIComponent(newest.id);
    },
  ],
];

async function filled(command: string): Promise<string> {
  let text = command.replaceAll("localhost:3000", stack.baseUrl.replace(/^http:\/\//, ""));
  for (const [pattern, value] of PLACEHOLDERS) {
    for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
      text = text.replace(match[0], await value(match));
    }
  }
  const unknown = /<[a-z][\w .@-]*>/i.exec(text);
  if (unknown) throw new Error(`unknown README placeholder ${unknown[0]}: add it to PLACEHOLDERS`);
  return text;
}

/** Runs one curl of the README with bash; the wrapper keeps the body and the status apart. */
async function curl(block: ShellBlock, command: Command): Promise<{ status: number; body: unknown }> {
  const script = [
    // The body also goes to stdout, so a README pipeline (curl … | jq …) gets what a reader's would.
    `curl() { command curl -o "${output}/body" -w '%{http_code}' "$@" > "${output}/status"; cat "${output}/body"; }`,
    ...block.preamble,
    await filled(command.text),
  ].join("\n");
  await rm(join(output, "body"), { force: true });
  await run("bash", ["-e", "-c", script], { cwd: ROOT, timeout: 60_000 });
  const status = Number(await readFile(join(output, "status"), "utf8"));
  const text = await readFile(join(output, "body"), "utf8").catch(() => "");
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: compared as text
  }
  return { status, body };
}

const blocks = shellBlocks(README);

beforeAll(async () => {
  output = await mkdtemp(join(tmpdir(), "readme-examples-"));
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url });
  // What `npm run dev`'s worker does on start.
  await seedBuiltInSequences(stack.store);
  await stack.startWorker();
});

afterAll(async () => {
  await stack?.stop();
  await sink?.stop();
  if (output) await rm(output, { recursive: true, force: true });
});

describe("README.md shell examples", () => {
  test("every shell block is either run (it calls curl) or marked as skipped", () => {
    expect(blocks.filter((block) => block.commands.length > 0 && !block.skipped).length).toBeGreaterThan(3);
    const unmarked = blocks.filter((block) => !block.skipped && block.commands.length === 0);
    expect(unmarked.map((block) => `README.md:${block.line}`)).toEqual([]);
  });

  for (const block of blocks.filter((candidate) => !candidate.skipped && candidate.commands.length > 0)) {
    test(`README.md:${block.line} (${block.heading})`, async () => {
      for (const command of block.commands) {
        const answer = await curl(block, command);
        const { status, fields } = expectationOf(command.expected);
        const what = `${command.text}\n→ ${answer.status} ${JSON.stringify(answer.body)}`;
        if (status === null) expect(answer.status, what).toBeGreaterThanOrEqual(200);
        if (status === null) expect(answer.status, what).toBeLessThan(300);
        else expect(answer.status, what).toBe(status);
        for (const [key, value] of fields) {
          expect(holds(answer.body, key, value), `${what}\nstates "${key}":${JSON.stringify(value)}`).toBe(
            true,
          );
        }
      }
    });
  }

  test("the walk-through's welcome email reached the inbox", async () => {
    const welcome = await sink.waitForMessage(
      (message) => message.envelope.to.includes("ada@example.com"),
      60_000,
    );
    expect(welcome.subject).toBeTruthy();
  });
});
