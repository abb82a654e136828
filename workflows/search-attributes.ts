// Custom search attributes operators filter runs by in the Temporal UI. Values are ids and states,
// never an email address (the SQL visibility store keeps them in clear).
import { defineSearchAttributeKey, SearchAttributeType } from "@temporalio/common";

export const NfContactId = defineSearchAttributeKey("NfContactId", SearchAttributeType.KEYWORD);
export const NfSequence = defineSearchAttributeKey("NfSequence", SearchAttributeType.KEYWORD);
export const NfStatus = defineSearchAttributeKey("NfStatus", SearchAttributeType.KEYWORD);
export const NfStage = defineSearchAttributeKey("NfStage", SearchAttributeType.KEYWORD);
export const NfSegment = defineSearchAttributeKey("NfSegment", SearchAttributeType.KEYWORD);
export const NfNextActionAt = defineSearchAttributeKey("NfNextActionAt", SearchAttributeType.DATETIME);
/** The step a run is at (its id in the definition), and the sequence version it runs. */
export const NfStep = defineSearchAttributeKey("NfStep", SearchAttributeType.KEYWORD);
export const NfVersion = defineSearchAttributeKey("NfVersion", SearchAttributeType.INT);

/** Name → type as the Temporal CLI spells it, for registering them on a namespace. */
export const SEARCH_ATTRIBUTE_DEFINITIONS: ReadonlyArray<{
  name: string;
  cliType: "Keyword" | "Datetime" | "Int";
}> = [
  { name: NfContactId.name, cliType: "Keyword" },
  { name: NfSequence.name, cliType: "Keyword" },
  { name: NfStatus.name, cliType: "Keyword" },
  { name: NfStage.name, cliType: "Keyword" },
  { name: NfSegment.name, cliType: "Keyword" },
  { name: NfNextActionAt.name, cliType: "Datetime" },
  { name: NfStep.name, cliType: "Keyword" },
  { name: NfVersion.name, cliType: "Int" },
];
