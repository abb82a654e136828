// The opaque cursor of GET /v1/contacts: the position (creation time, id) of the last contact of a
// page. Contacts are listed in that order, which never changes for a contact, so a page boundary
// stays put while contacts are added or edited.

export interface ContactPosition {
  createdAt: Date;
  id: string;
}

export function encodeCursor(position: ContactPosition): string {
  return Buffer.from(`${position.createdAt.toISOString()}|${position.id}`, "utf8").toString("base64url");
}

/** null when the text is not a cursor this API handed out. */
export function decodeCursor(cursor: string): ContactPosition | null {
  const [time, id, ...rest] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (rest.length > 0 || !time || !id) return null;
  const createdAt = new Date(time);
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== time) return null;
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
  return { createdAt, id };
}
