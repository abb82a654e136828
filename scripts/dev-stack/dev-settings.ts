// Where `npm run dev` keeps its data, which local ports its parts listen on, and what the user set
// explicitly (their own database, SMTP server or interface replace the stack's). The variables are
// parsed by the one configuration schema (domain/config/environment-variables.ts).
import { isAbsolute, resolve } from "node:path";
import { parseEnvironment } from "../../domain/config/environment-variables.ts";

export interface DevSettings {
  dataDir: string;
  ports: { temporal: number; temporalUi: number; smtp: number; mailUi: number; embeddedPostgres: number };
  /** Set by the user, else null: the stack runs its own (embedded database, mail catcher, 127.0.0.1). */
  given: {
    databaseUrl: string | null;
    smtpUrl: string | null;
    host: string | null;
    temporalUiUrl: string | null;
  };
}

export function parseDevSettings(env: Record<string, string | undefined>, root: string): DevSettings {
  const settings = parseEnvironment(env);
  const dataDir = settings.NURTUREFLOW_DATA_DIR;
  const given = (name: "DATABASE_URL" | "SMTP_URL" | "HOST" | "TEMPORAL_UI_URL") =>
    (env[name]?.trim() ? settings[name] : null) ?? null;
  return {
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(root, dataDir),
    ports: {
      temporal: settings.DEV_TEMPORAL_PORT,
      temporalUi: settings.DEV_TEMPORAL_UI_PORT,
      smtp: settings.DEV_SMTP_PORT,
      mailUi: settings.DEV_MAIL_UI_PORT,
      embeddedPostgres: settings.EMBEDDED_POSTGRES_PORT,
    },
    given: {
      databaseUrl: given("DATABASE_URL"),
      smtpUrl: given("SMTP_URL"),
      host: given("HOST"),
      temporalUiUrl: given("TEMPORAL_UI_URL"),
    },
  };
}
