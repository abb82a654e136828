// The floor a sequence run is measured against: a workflow that does nothing, through the same server.
export async function benchNoopWorkflow(): Promise<void> {}
