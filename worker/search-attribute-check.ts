// At start the worker makes sure the namespace knows every search attribute the sequence workflow
// sets (workflows/search-attributes.ts): Temporal rejects a start that sets an unknown one, so without
// them no run could start. Missing ones are registered where the server allows it (dev server,
// self-hosted: the operator service); otherwise the worker stops and says how to register each.
import type { Client } from "@temporalio/client";
import type { Logger } from "pino";
import { SEARCH_ATTRIBUTE_DEFINITIONS } from "../workflows/search-attributes.ts";
import { errorSummary } from "./temporal-errors.ts";

// temporal.api.enums.v1.IndexedValueType (the proto package is not a direct dependency).
const INDEXED_TYPE = { Keyword: 2, Int: 3, Datetime: 6 } as const;

type Definition = (typeof SEARCH_ATTRIBUTE_DEFINITIONS)[number];

export class SearchAttributesMissingError extends Error {}

/** What an operator runs to register the attributes: the Temporal CLI, or tcld for Temporal Cloud. */
export function registrationInstructions(namespace: string, missing: readonly Definition[]): string {
  const lines = missing.map(
    ({ name, cliType }) =>
      `  - ${name} (${cliType}):\n` +
      `      temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${cliType}\n` +
      `      Temporal Cloud: tcld namespace search-attributes add --namespace ${namespace} --search-attribute "${name}=${cliType}"`,
  );
  return `namespace ${namespace} lacks search attributes the workflows set; register each, then start the worker again:\n${lines.join("\n")}`;
}

export async function ensureSearchAttributes(
  client: Client,
  namespace: string,
  logger: Logger,
  definitions: readonly Definition[] = SEARCH_ATTRIBUTE_DEFINITIONS,
): Promise<void> {
  const operator = client.connection.operatorService;
  const listed = await operator.listSearchAttributes({ namespace });
  const known = listed.customAttributes ?? {};
  const wrongType = definitions.filter(
    ({ name, cliType }) => known[name] !== undefined && known[name] !== INDEXED_TYPE[cliType],
  );
  if (wrongType.length > 0) {
    throw new SearchAttributesMissingError(
      `namespace ${namespace} has search attributes of the wrong type: ${wrongType
        .map(({ name, cliType }) => `${name} must be ${cliType}`)
        .join(", ")}`,
    );
  }
  const missing = definitions.filter(({ name }) => known[name] === undefined);
  if (missing.length === 0) return;
  try {
    await operator.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map(({ name, cliType }) => [name, INDEXED_TYPE[cliType]])),
    });
  } catch (error) {
    throw new SearchAttributesMissingError(
      `${registrationInstructions(namespace, missing)}\nregistering them automatically failed: ${errorSummary(error)}`,
    );
  }
  logger.info({ namespace, registered: missing.map(({ name }) => name) }, "search attributes registered");
}
