// Workflow ids explain themselves and deduplicate: one run per (sequence, contact, entry key).

export function sequenceWorkflowId(sequenceKey: string, contactId: string, entryKey: string): string {
  return `seq/${sequenceKey}/contact/${contactId}/${entryKey}`;
}

/**
 * An enrollment is one entry into a run, identified by the outbox row that caused it, so a redelivered
 * outbox row maps to the same enrollment (and the same send-ledger keys) while a true re-entry does not.
 */
export function enrollmentId(workflowId: string, triggerId: string): string {
  return `${workflowId}@${triggerId}`;
}

export function sendLedgerKey(enrollment: string, stepId: string): string {
  return `${enrollment}#${stepId}`;
}
