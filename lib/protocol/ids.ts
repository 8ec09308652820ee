/** Artifact ids are UUIDs; anything else is rejected before it reaches storage. */
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isArtifactId(value: string): boolean {
  return UUID_RE.test(value);
}

export type RoomKind = 'content' | 'review';

export interface RoomName {
  artifactId: string;
  kind: RoomKind;
  /** The storage key of the room's document: `<id>` or `<id>/review`. */
  docName: string;
}

/**
 * Parses a collab path (`/collab/<id>` or `/collab/<id>/review`, query
 * already stripped). Returns null for anything else: no traversal, no odd bytes.
 */
export function parseRoomPath(pathname: string): RoomName | null {
  const match = /^\/collab\/([^/]+)(\/review)?\/?$/.exec(pathname);
  if (!match) return null;
  const artifactId = match[1];
  if (!isArtifactId(artifactId)) return null;
  const kind: RoomKind = match[2] ? 'review' : 'content';
  return { artifactId, kind, docName: docNameFor(artifactId, kind) };
}

export function docNameFor(artifactId: string, kind: RoomKind): string {
  return kind === 'review' ? `${artifactId}/review` : artifactId;
}
