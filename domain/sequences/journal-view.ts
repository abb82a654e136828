// A run's journal as the API shows it (enrollment steps, simulation plans): instants as ISO 8601 text.
import type { JournalEntry } from "./interpreter.ts";

export type JournalEntryView = Omit<JournalEntry, "at" | "until"> & { at: string; until?: string };

export function journalEntryView({ at, until, ...entry }: JournalEntry): JournalEntryView {
  return {
    ...entry,
    at: new Date(at).toISOString(),
    ...(until !== undefined ? { until: new Date(until).toISOString() } : {}),
  };
}
