// Where a process starts: its configuration from the environment, or one line on stderr naming each bad
// variable and exit code 1, before anything is opened or started.
import { ConfigError, type NurtureflowConfig, parseConfig } from "../../domain/config.ts";

export function loadConfig(processName: string, env: NodeJS.ProcessEnv = process.env): NurtureflowConfig {
  try {
    return parseConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${processName}: invalid configuration: ${error.message}\n`);
    process.exit(1);
  }
}
