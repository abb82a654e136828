// A small, dependency-free docs page rendered from the OpenAPI document.
import { escapeHtml } from "./html-page.ts";

type OpenApi = ReturnType<typeof import("./openapi.ts").openApiDocument>;

export function docsPage(document: OpenApi): string {
  const rows = Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations as Record<string, { summary: string }>).map(
      ([method, operation]) =>
        `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(operation.summary)}</td></tr>`,
    ),
  );
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(document.info.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}td{padding:.3rem .8rem;border-bottom:1px solid #ddd}</style>
</head><body><h1>${escapeHtml(document.info.title)} ${escapeHtml(document.info.version)}</h1>
<p>Machine-readable document: <a href="/openapi.json">/openapi.json</a>. Errors are <code>application/problem+json</code>.</p>
<table>${rows.join("")}</table></body></html>`;
}
