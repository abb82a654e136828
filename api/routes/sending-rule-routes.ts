// GET/PUT /v1/sending/rules: frequency caps, quiet hours and the fallback time zone. A stored field
// overrides the environment's (FREQUENCY_CAP, QUIET_HOURS, DEFAULT_TIME_ZONE); PUT replaces the stored
// override, so a field left out goes back to the environment's value.
import { loadSendingRules, saveSendingRules } from "../../activities/sending/sending-rules-store.ts";
import type { NurtureflowConfig } from "../../domain/config.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { defineRoute, type RouteDefinition } from "../route-definition.ts";
import { SendingRulesBody, SendingRulesView } from "../schemas/sending-rules-schemas.ts";

export function sendingRuleRoutes(
  store: ContactStore,
  config: Pick<NurtureflowConfig, "sendingRules">,
): RouteDefinition[] {
  const view = async () => {
    const { text, fromApi } = await loadSendingRules(store, config.sendingRules);
    return { ...text, fromApi };
  };
  return [
    defineRoute({
      method: "get",
      path: "/v1/sending/rules",
      access: "read",
      tags: ["sending rules"],
      summary: "The sending rules in force",
      responses: {
        200: { description: "The rules and which of them the API set", schema: SendingRulesView },
      },
      handle: async ({ res }) => {
        res.json(await view());
      },
    }),
    defineRoute({
      method: "put",
      path: "/v1/sending/rules",
      access: "admin",
      tags: ["sending rules"],
      summary: "Set frequency caps, quiet hours and the fallback time zone",
      description:
        "Fields given override the environment; fields left out go back to it. Applies to send decisions from then on.",
      body: SendingRulesBody,
      bodyName: "sending rules",
      responses: { 200: { description: "The rules now in force", schema: SendingRulesView } },
      handle: async ({ body, res }) => {
        await saveSendingRules(store, body);
        res.json(await view());
      },
    }),
  ];
}
