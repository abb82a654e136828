// `npm run config`: the configuration in force (environment and defaults), secrets masked; exits 1
// naming each bad variable, as the API and worker would at start. `npm run config -- --table` prints
// the README's configuration table from the same declarations.
import {
  configurationLines,
  configurationTable,
  formatConfiguration,
} from "../domain/config/configuration-report.ts";
import { loadConfig } from "./config/load-config.ts";

if (process.argv.includes("--table")) {
  console.log(configurationTable());
} else {
  loadConfig("config");
  console.log(
    "Configuration in force ([default]: not set in the environment; (…): unset; secrets masked):\n",
  );
  console.log(formatConfiguration(configurationLines(process.env)));
}
