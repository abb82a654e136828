import { fileURLToPath } from "node:url";

// Resolved from this module, not from the working directory, so the worker, the API and the tests find
// the templates (and the partials they include) wherever they are started from.
export const TEMPLATES_DIR = fileURLToPath(new URL("../../templates", import.meta.url));
