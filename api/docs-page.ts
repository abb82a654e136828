// The API reference at /docs: Swagger UI, served from its npm package (swagger-ui-dist) so it works
// offline, rendering /openapi.json, the document generated from the route registry.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { escapeHtml } from "./html-page.ts";

const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

/** The renderer's files the page loads, by the name /docs/assets/<name> serves them under. */
export const DOCS_ASSETS: Readonly<Record<string, string>> = {
  "swagger-ui.css": join(SWAGGER_UI_DIR, "swagger-ui.css"),
  "swagger-ui-bundle.js": join(SWAGGER_UI_DIR, "swagger-ui-bundle.js"),
  "favicon-32x32.png": join(SWAGGER_UI_DIR, "favicon-32x32.png"),
};

// Paths are relative, so a path prefix in front of the API keeps working. "Try it out" sends real
// requests; "Authorize" takes an API key.
const SETTINGS = {
  url: "openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  defaultModelExpandDepth: 3,
  displayRequestDuration: true,
  persistAuthorization: true,
};

export function docsPage(title: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head><body><div id="swagger-ui"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ ...${JSON.stringify(SETTINGS)}, presets: [SwaggerUIBundle.presets.apis] });</script>
</body></html>`;
}
