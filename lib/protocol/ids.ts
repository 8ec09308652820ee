/** Artifact ids are UUIDs; anything else is rejected before it reaches storage. */
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isArtifactId(value: string): boolean {
  return UUID_RE.test(value);
}

/** The page, the review layer (server-written: threads, statuses; presence), the shared notes (reviewers write). */
export type RoomKind = 'content' | 'review' | 'notes';

export interface RoomName {
  artifactId: string;
  kind: RoomKind;
  /** The storage key of the room's document: `<id>`, `<id>/review` or `<id>/notes`. */
  docName: string;
}

/**
 * Parses a collab path (`/collab/<id>`, `/collab/<id>/review` or `/collab/<id>/notes`, query
 * already stripped). Returns null for anything else: no traversal, no odd bytes.
 */
export function parseRoomPath(pathname: string): RoomName | null {
  const match = /^\/collab\/([^/]+)(?:\/(review|notes))?\/?$/.exec(pathname);
  if (!match) return null;
  const artifactId = match[1];
  if (!isArtifactId(artifactId)) return null;
  const kind: RoomKind = match[2] === 'review' || match[2] === 'notes' ? match[2] : 'content';
  return { artifactId, kind, docName: docNameFor(artifactId, kind) };
}

export function docNameFor(artifactId: string, kind: RoomKind): string {
  return kind === 'content' ? artifactId : `${artifactId}/${kind}`;
}
