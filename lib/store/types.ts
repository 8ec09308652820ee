/**
 * The persistence contract. Every backend (SQLite now, PostgreSQL next)
 * implements it and passes the one contract suite in test/store/.
 *
 * Invariants every backend keeps:
 * - appendUpdates is durable when its promise resolves (fsync'd), and all
 *   entries of one call commit together or not at all.
 * - update seqs are strictly increasing per document, in append order.
 * - compactDoc replaces exactly the updates up to `uptoSeq` with the
 *   snapshot; updates after it are untouched, so a compaction racing an
 *   append never loses the append.
 * Times are milliseconds since the epoch, from the server clock.
 */

export type Role = 'owner' | 'admin' | 'member' | 'viewer';
export const ROLES: readonly Role[] = ['owner', 'admin', 'member', 'viewer'];

export type TokenScope = 'artifacts:write' | 'comments:write';
export const TOKEN_SCOPES: readonly TokenScope[] = ['artifacts:write', 'comments:write'];

export interface OrgRecord {
  id: string;
  name: string;
  createdAt: number;
}

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  passwordHash: string | null;
  createdAt: number;
}

export interface MembershipRecord {
  orgId: string;
  userId: string;
  role: Role;
  createdAt: number;
}

export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

export interface AgentTokenRecord {
  id: string;
  orgId: string;
  userId: string;
  name: string;
  tokenHash: string;
  scopes: TokenScope[];
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export type ArtifactStatus = 'draft' | 'published';

export interface ArtifactRecord {
  id: string;
  orgId: string;
  createdBy: string;
  title: string;
  project: string;
  session: string;
  kind: string;
  status: ArtifactStatus;
  createdAt: number;
  updatedAt: number;
  /** UTF-8 bytes of the page as last stored through the API or a room flush. */
  sizeBytes: number;
}

export type NewArtifact = Omit<ArtifactRecord, 'updatedAt' | 'sizeBytes'>;

export interface ArtifactQuery {
  orgId: string;
  project?: string;
  session?: string;
  kind?: string;
  /** Case-insensitive substring of the title. */
  q?: string;
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface ArtifactPage {
  items: ArtifactRecord[];
  nextCursor: string | null;
}

export interface StoredDoc {
  /** The compacted state (a Yjs update), or null if never compacted. */
  snapshot: Uint8Array | null;
  /** The seq the snapshot covers up to (0 if none). */
  snapshotSeq: number;
  /** Updates after the snapshot, in seq order. */
  updates: Uint8Array[];
  /** Highest seq stored for this doc (snapshot or update), 0 if empty. */
  lastSeq: number;
}

export interface UpdateEntry {
  docName: string;
  data: Uint8Array;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';

  // Documents: the Yjs update log and its compaction.
  loadDoc(docName: string): Promise<StoredDoc>;
  /** Appends all entries in one durable transaction; returns each entry's seq. */
  appendUpdates(entries: UpdateEntry[]): Promise<number[]>;
  compactDoc(docName: string, snapshot: Uint8Array, uptoSeq: number): Promise<void>;
  deleteDoc(docName: string): Promise<void>;

  // Artifacts
  createArtifact(input: NewArtifact): Promise<ArtifactRecord>;
  getArtifact(id: string): Promise<ArtifactRecord | null>;
  listArtifacts(query: ArtifactQuery): Promise<ArtifactPage>;
  touchArtifact(id: string, patch: { updatedAt: number; sizeBytes?: number; title?: string }): Promise<void>;

  // Identity
  createOrg(org: OrgRecord): Promise<void>;
  getOrg(id: string): Promise<OrgRecord | null>;
  createUser(user: UserRecord): Promise<void>;
  getUser(id: string): Promise<UserRecord | null>;
  getUserByEmail(email: string): Promise<UserRecord | null>;
  countUsers(): Promise<number>;
  putMembership(membership: MembershipRecord): Promise<void>;
  getMembership(orgId: string, userId: string): Promise<MembershipRecord | null>;
  listMembershipsOfUser(userId: string): Promise<MembershipRecord[]>;
  listMembersOfOrg(orgId: string): Promise<Array<MembershipRecord & { user: UserRecord }>>;

  createSession(session: SessionRecord): Promise<void>;
  getSession(id: string): Promise<SessionRecord | null>;
  revokeSession(id: string, at: number): Promise<void>;

  createAgentToken(token: AgentTokenRecord): Promise<void>;
  getAgentTokenByHash(tokenHash: string): Promise<AgentTokenRecord | null>;
  touchAgentToken(id: string, at: number): Promise<void>;

  // Small key/value settings (the server's signing secret lives here).
  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;

  close(): Promise<void>;
}
