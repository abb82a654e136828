// Where `npm run dev` keeps its data and which local ports its parts listen on. The defaults are the
// documented ones; tests (and a second checkout) move them with these variables.
import { isAbsolute, join, resolve } from "node:path";
import { z } from "zod";

const port = (fallback: number) => z.coerce.number().int().min(1).max(65_535).default(fallback);

const DevSettingsSchema = z.object({
  NURTUREFLOW_DATA_DIR: z.string().trim().min(1).optional(),
  DEV_TEMPORAL_PORT: port(7233),
  DEV_TEMPORAL_UI_PORT: port(8233),
  DEV_SMTP_PORT: port(1025),
  DEV_MAIL_UI_PORT: port(1080),
  EMBEDDED_POSTGRES_PORT: port(55432),
});

export interface DevSettings {
  dataDir: string;
  ports: { temporal: number; temporalUi: number; smtp: number; mailUi: number; embeddedPostgres: number };
}

export function parseDevSettings(env: Record<string, string | undefined>, root: string): DevSettings {
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const parsed = DevSettingsSchema.safeParse(blankAsUnset);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`invalid dev stack setting: ${problems.join("; ")}`);
  }
  const settings = parsed.data;
  const dataDir = settings.NURTUREFLOW_DATA_DIR ?? join(root, ".nurtureflow");
  return {
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(root, dataDir),
    ports: {
      temporal: settings.DEV_TEMPORAL_PORT,
      temporalUi: settings.DEV_TEMPORAL_UI_PORT,
      smtp: settings.DEV_SMTP_PORT,
      mailUi: settings.DEV_MAIL_UI_PORT,
      embeddedPostgres: settings.EMBEDDED_POSTGRES_PORT,
    },
  };
}
