// The tracking API's event-name table and consent category, kept as a Setting row (the built-in
// defaults while there is none), edited through GET/PUT /v1/tracking/mapping.
import {
  DEFAULT_TRACKING_EVENT_MAPPING,
  type TrackingEventMapping,
} from "../../domain/integrations/tracking-event-mapping.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { ContactStore } from "../../prisma/client.ts";

const KEY = "tracking.mapping";

export async function loadTrackingMapping(store: ContactStore): Promise<TrackingEventMapping> {
  const row = await store.setting.findUnique({ where: { key: KEY } });
  return (row?.value as TrackingEventMapping | undefined) ?? DEFAULT_TRACKING_EVENT_MAPPING;
}

export async function saveTrackingMapping(store: ContactStore, mapping: TrackingEventMapping): Promise<void> {
  const value = mapping as unknown as Prisma.InputJsonValue;
  await store.setting.upsert({ where: { key: KEY }, create: { key: KEY, value }, update: { value } });
}
