// Compiles a template version once and personalises it per message. MJML → HTML costs milliseconds,
// filling the HTML with Handlebars costs microseconds (ENVIRONMENT.md), so MJML never runs per message:
// the MJML source keeps its {{...}} tags, MJML passes them through into the HTML, and Handlebars fills
// them in. The text part is derived from that HTML once as well.
//
// Layouts and partials are composed with MJML's own <mj-include>, not Handlebars partials: Handlebars
// runs after MJML, on HTML, so a Handlebars partial could not contribute MJML. mjml 5.4 ignores
// includes unless `ignoreIncludes: false` and silently drops includes outside the allowed roots, so both
// are set here and a dropped include is reported as an error instead of a missing footer.
import path from "node:path";
import Handlebars from "handlebars";
import { compile as compileHtmlToText } from "html-to-text";
import type { TemplateData } from "../../domain/email/template-data.ts";
import { TEMPLATES_DIR } from "./templates-dir.ts";

export interface TemplateSource {
  key: string;
  version: number;
  /** A Handlebars template for the Subject header. */
  subject: string;
  mjml: string;
  /** Where the MJML lives on disk; its <mj-include> paths are relative to it. */
  filePath?: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface CompiledTemplate {
  readonly key: string;
  readonly version: number;
  render(data: TemplateData): RenderedEmail;
}

export interface TemplateError {
  /** 1-based line in the MJML source (in the included file for an error inside a partial). */
  line: number;
  message: string;
  tagName?: string;
}

export type MjmlValidation = { ok: true } | { ok: false; errors: TemplateError[] };

export class TemplateCompileError extends Error {
  readonly templateKey: string;
  readonly version: number;
  readonly errors: TemplateError[];

  constructor(templateKey: string, version: number, errors: TemplateError[]) {
    const detail = errors.map((error) => `line ${error.line}: ${error.message}`).join("; ");
    super(`template ${templateKey} v${version} does not compile: ${detail}`);
    this.name = "TemplateCompileError";
    this.templateKey = templateKey;
    this.version = version;
    this.errors = errors;
  }
}

// A stored version has no file of its own. Resolving its includes from a folder next to the template
// folders gives `../_partials/footer.mjml` the same meaning as in a file template, so a built-in
// template copied into the database compiles unchanged.
const STORED_TEMPLATE_BASE = path.join(TEMPLATES_DIR, "_layouts");

// Isolated from the global instance so helpers registered elsewhere cannot change what templates do.
const handlebars = Handlebars.create();
// Only the built-in helpers (if, unless, each, with, lookup) exist. Declaring that makes an unknown
// helper an error when the template is saved, instead of a failure of every send at render time.
const HANDLEBARS_OPTIONS = { knownHelpersOnly: true } as const;
// Header and plain text are not HTML: escaping them would show "&amp;" to the reader.
const UNESCAPED = { ...HANDLEBARS_OPTIONS, noEscape: true } as const;

// Handlebars tags: {{{raw}}}, {{!-- comments --}} (which may contain "}}") and {{everything else}}.
const TEMPLATE_TAG = /\{\{\{[\s\S]*?\}\}\}|\{\{!--[\s\S]*?--\}\}|\{\{[\s\S]*?\}\}/g;
const XML_COMMENT = /<!--[\s\S]*?-->/g;

// Private-use characters stand in for tags while html-to-text works: they survive its whitespace
// collapsing, word wrapping and upper-casing, which would otherwise break or rewrite a tag.
const SHIELDED_TAG = /\uE000(\d+)\uE001/g;

const htmlToText = compileHtmlToText({
  wordwrap: false,
  selectors: [
    // Images (the logo, the open-tracking pixel) carry nothing for a plain-text reader.
    { selector: "img", format: "skip" },
    // mj-preview's preheader is hidden in the HTML; it is not part of the message.
    { selector: "div[style*='display:none']", format: "skip" },
    // One line per table row. Not html-to-text's column layout: it would size the columns by the
    // tags, not the values, and move a {{#each}} between rows out of the table, leaving the rows unrepeated.
    { selector: "tr", format: "block" },
    // Every mj-text is a div: a blank line between them reads as paragraphs.
    { selector: "div", options: { leadingLineBreaks: 2, trailingLineBreaks: 2 } },
    ...["h1", "h2", "h3", "h4", "h5", "h6"].map((selector) => ({ selector, options: { uppercase: false } })),
  ],
});

interface MjmlErrorLike {
  line: number;
  message: string;
  tagName: string;
}

interface MjmlNode {
  line?: number;
  errors?: Array<{ type: string; params?: { file?: string } }>;
  children?: MjmlNode[];
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i += 1) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

// MJML drops source comments (keepComments: false), so tags inside them must not be expected in the
// output; blanking keeps every other tag on its original line.
function withoutXmlComments(mjml: string): string {
  return mjml.replace(XML_COMMENT, (comment) => comment.replace(/[^\n]/g, " "));
}

// Handlebars reports a block left open at the end of the template; the author needs the line that opened it.
function unclosedBlock(template: string): TemplateError | null {
  const open: RegExpExecArray[] = [];
  for (const match of template.matchAll(TEMPLATE_TAG)) {
    if (/^\{\{~?[#^]/.test(match[0])) open.push(match);
    else if (/^\{\{~?\//.test(match[0])) open.pop();
  }
  const innermost = open.at(-1);
  return innermost
    ? { line: lineAt(template, innermost.index), message: `template syntax: ${innermost[0]} is never closed` }
    : null;
}

function handlebarsSyntaxError(template: string): TemplateError | null {
  try {
    handlebars.precompile(template, HANDLEBARS_OPTIONS);
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.endsWith("got 'EOF'")) {
      const unclosed = unclosedBlock(template);
      if (unclosed) return unclosed;
    }
    const parseError = /^Parse error on line (\d+):/.exec(message);
    const lineNumber = (error as { lineNumber?: number }).lineNumber;
    return {
      line: parseError ? Number(parseError[1]) : (lineNumber ?? 1),
      // A parse error's middle lines echo the source with its line breaks removed: noise here.
      message: `template syntax: ${parseError ? (message.split("\n").at(-1) ?? message) : message.replace(/ - \d+:\d+$/, "")}`,
    };
  }
}

function isMjmlValidationError(error: unknown): error is Error & { errors: MjmlErrorLike[] } {
  return error instanceof Error && Array.isArray((error as { errors?: unknown }).errors);
}

function includeErrors(node: MjmlNode | undefined, found: TemplateError[] = []): TemplateError[] {
  if (!node) return found;
  for (const error of node.errors ?? []) {
    if (error.type === "include" || error.type === "include-denied") {
      found.push({
        line: node.line ?? 1,
        message: `${error.params?.file ? `mj-include ${error.params.file}` : "mj-include"} cannot be read or lies outside the templates folder`,
        tagName: "mj-include",
      });
    }
  }
  for (const child of node.children ?? []) includeErrors(child, found);
  return found;
}

// MJML silently drops template tags it does not expect: block tags between components (unless wrapped
// in <mj-raw>) and tags inside an inlined <mj-style>. Every tag of the source must reach the HTML.
function droppedTags(source: string, html: string): TemplateError[] {
  const remaining = new Map<string, number>();
  for (const tag of html.match(TEMPLATE_TAG) ?? []) remaining.set(tag, (remaining.get(tag) ?? 0) + 1);
  const dropped: TemplateError[] = [];
  for (const match of source.matchAll(TEMPLATE_TAG)) {
    const left = remaining.get(match[0]) ?? 0;
    if (left > 0) {
      remaining.set(match[0], left - 1);
      continue;
    }
    dropped.push({
      line: lineAt(source, match.index),
      message: `${match[0]} was dropped by MJML: wrap template tags between components in <mj-raw>, and keep them out of <mj-style>`,
    });
  }
  return dropped;
}

// Derived from the HTML so the two parts always say the same thing; the tags are shielded during the
// conversion and compiled afterwards, so html-to-text runs once per template version, not per message.
function textTemplateFromHtml(html: string): string {
  const tags: string[] = [];
  const indexes = new Map<string, number>();
  const shielded = html.replace(TEMPLATE_TAG, (tag) => {
    let index = indexes.get(tag);
    if (index === undefined) {
      index = tags.push(tag) - 1;
      indexes.set(tag, index);
    }
    return `\uE000${index}\uE001`;
  });
  return collapseBlankLines(
    htmlToText(shielded).replace(SHIELDED_TAG, (_, index) => tags[Number(index)] ?? ""),
  );
}

function collapseBlankLines(text: string): string {
  return text
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

// A header value must stay on one line: a line break in personal data would otherwise start a new header.
function singleLine(value: string): string {
  return value.replace(/\s+/g, " ").trim();
}

// The two bodies as Handlebars templates, or every reason they cannot be made.
type Bodies =
  | { html: string; text: string; errors: [] }
  | { html: null; text: null; errors: TemplateError[] };

async function compileBodies(mjml: string, filePath: string | undefined): Promise<Bodies> {
  const source = withoutXmlComments(mjml);
  const syntaxError = handlebarsSyntaxError(source);
  // Loaded on the first compile: MJML and what it pulls in hold about 50 MB, which a process that
  // never compiles a template (the API until a preview or a template check) need not pay.
  const { default: mjml2html } = await import("mjml");
  let result: Awaited<ReturnType<typeof mjml2html>>;
  try {
    result = await mjml2html(mjml, {
      validationLevel: "strict",
      // Comments in a template explain it to the next author, not to the recipient.
      keepComments: false,
      ignoreIncludes: false,
      filePath: filePath ?? STORED_TEMPLATE_BASE,
      includePath: TEMPLATES_DIR,
    });
  } catch (error) {
    const errors: TemplateError[] = isMjmlValidationError(error)
      ? error.errors.map(({ line, message, tagName }) => ({ line, message, tagName }))
      : [{ line: 1, message: error instanceof Error ? error.message : String(error) }];
    return { html: null, text: null, errors: syntaxError ? [syntaxError, ...errors] : errors };
  }
  const errors = [
    ...(syntaxError ? [syntaxError] : []),
    ...includeErrors(result.json as MjmlNode),
    ...droppedTags(source, result.html),
  ];
  if (errors.length > 0) return { html: null, text: null, errors };

  // Every tag survived, but MJML may have moved one (mj-preview goes to the top of the body), and the
  // text part leaves out hidden and image content: a block can end up unbalanced in either.
  const text = textTemplateFromHtml(result.html);
  const bodyErrors = [
    { part: "HTML", template: result.html },
    { part: "text part", template: text },
  ].flatMap(({ part, template }) => {
    const error = handlebarsSyntaxError(template);
    if (!error) return [];
    const where = `line ${error.line} of the ${part} MJML generated; did a block tag span a moved or hidden element?`;
    return [{ line: 1, message: `${error.message} (${where})` }];
  });
  return bodyErrors.length > 0
    ? { html: null, text: null, errors: bodyErrors }
    : { html: result.html, text, errors: [] };
}

/** Checks MJML as compileTemplate would, for the API to reject a broken template when it is saved. */
export async function validateMjml(mjml: string, filePath?: string): Promise<MjmlValidation> {
  const bodies = await compileBodies(mjml, filePath);
  return bodies.html === null ? { ok: false, errors: bodies.errors } : { ok: true };
}

export interface CompileOptions {
  /**
   * Rendering throws on a tag whose field the data lacks (conditions may still test absent fields).
   * For checking a template against its sample data; sends render leniently.
   */
  strict?: boolean;
}

export async function compileTemplate(
  source: TemplateSource,
  options: CompileOptions = {},
): Promise<CompiledTemplate> {
  const bodies = await compileBodies(source.mjml, source.filePath);
  const subjectError = handlebarsSyntaxError(source.subject);
  const errors = [
    ...(subjectError ? [{ ...subjectError, message: `subject: ${subjectError.message}` }] : []),
    ...bodies.errors,
  ];
  if (bodies.html === null || errors.length > 0)
    throw new TemplateCompileError(source.key, source.version, errors);

  const strict = { strict: options.strict === true };
  const subject = handlebars.compile(source.subject, { ...UNESCAPED, ...strict });
  const html = handlebars.compile(bodies.html, { ...HANDLEBARS_OPTIONS, ...strict });
  const text = handlebars.compile(bodies.text, { ...UNESCAPED, ...strict });
  return {
    key: source.key,
    version: source.version,
    render: (data) => ({
      subject: singleLine(subject(data)),
      html: html(data),
      text: collapseBlankLines(text(data)),
    }),
  };
}

// Versions are immutable, so a compiled version never goes stale; the bound only caps memory when many
// versions are in use. A file template (version 0) is read once per process: restart to pick up edits.
const CACHE_LIMIT = 200;
const compiledVersions = new Map<string, Promise<CompiledTemplate>>();

/** compileTemplate, once per (key, version); concurrent callers share one compilation. */
export function getCompiledTemplate(source: TemplateSource): Promise<CompiledTemplate> {
  const id = `${source.key}@${source.version}`;
  const cached = compiledVersions.get(id);
  if (cached) {
    // Re-inserting moves the entry to the end of the Map's order: the oldest entry is the least recently used.
    compiledVersions.delete(id);
    compiledVersions.set(id, cached);
    return cached;
  }
  const compiled = compileTemplate(source);
  compiledVersions.set(id, compiled);
  // A failure is not kept, so a caller that fixed the cause (a missing partial) can try again.
  compiled.catch(() => {
    if (compiledVersions.get(id) === compiled) compiledVersions.delete(id);
  });
  if (compiledVersions.size > CACHE_LIMIT) {
    const leastRecentlyUsed = compiledVersions.keys().next().value;
    if (leastRecentlyUsed !== undefined) compiledVersions.delete(leastRecentlyUsed);
  }
  return compiled;
}
