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

import type { ReviewStore } from './review-types';

export type Role = 'owner' | 'admin' | 'member' | 'viewer';
export const ROLES: readonly Role[] = ['owner', 'admin', 'member', 'viewer'];

export type TokenScope = 'artifacts:write' | 'comments:write';
export const TOKEN_SCOPES: readonly TokenScope[] = ['artifacts:write', 'comments:write'];

export type Visibility = 'org' | 'members';
export const VISIBILITIES: readonly Visibility[] = ['org', 'members'];

/** What an organization's admins decide. */
export interface OrgSettings {
  /** Visibility a newly published artifact gets unless the publisher picks another. */
  defaultVisibility: Visibility;
  /** The least role that may publish a draft ('admin': members ask, admins approve). */
  publishRole: 'member' | 'admin';
  /** Artifacts untouched this many days are purged; null keeps them forever. */
  retentionDays: number | null;
  /** Approvals on the latest version an artifact needs to be ready for hand-off. */
  requiredApprovals: number;
}

export const DEFAULT_ORG_SETTINGS: OrgSettings = { defaultVisibility: 'org', publishRole: 'member', retentionDays: null, requiredApprovals: 1 };

export interface OrgRecord {
  id: string;
  name: string;
  createdAt: number;
  settings: OrgSettings;
}

export type NewOrg = Omit<OrgRecord, 'settings'> & { settings?: OrgSettings };

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
  visibility: Visibility;
  /** With visibility 'members': who besides the creator and admins may see it. */
  members: string[];
  legalHold: boolean;
  publishRequestedAt: number | null;
  publishedAt: number | null;
  publishedBy: string | null;
}

export type NewArtifact = Omit<
  ArtifactRecord,
  'updatedAt' | 'sizeBytes' | 'members' | 'legalHold' | 'publishRequestedAt' | 'publishedAt' | 'publishedBy'
> & { publishedAt?: number | null; publishedBy?: string | null; members?: string[] };

/** Fields the governance use cases change; absent fields stay as they are. */
export interface ArtifactGovernancePatch {
  status?: ArtifactStatus;
  visibility?: Visibility;
  members?: string[];
  legalHold?: boolean;
  publishRequestedAt?: number | null;
  publishedAt?: number | null;
  publishedBy?: string | null;
}

/** Who is listing: the listing returns exactly what `canSeeArtifact` allows this viewer. */
export interface ArtifactViewer {
  userId: string;
  isAdmin: boolean;
}

export interface ArtifactQuery {
  orgId: string;
  viewer: ArtifactViewer;
  status?: ArtifactStatus;
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

/** An artifact's bookkeeping that commits with an append to its page (see appendUpdates). */
export interface ArtifactTouch {
  artifactId: string;
  updatedAt: number;
  /** UTF-8 bytes of the page; absent keeps the recorded size. */
  sizeBytes?: number;
}

export interface InvitationRecord {
  id: string;
  orgId: string;
  /** sha256 of the secret in the link; the secret itself is never stored. */
  secretHash: string;
  email: string | null;
  role: Role;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  acceptedAt: number | null;
  acceptedBy: string | null;
  revokedAt: number | null;
}

// The audit entry's shape belongs to the audit chain (lib/audit/entry.ts), which the backends build on.
import type { AuditRecord, NewAuditEntry } from '../audit/entry';
export type { AuditActorKind, AuditRecord, NewAuditEntry } from '../audit/entry';

export interface AuditQuery {
  orgId: string;
  actorId?: string;
  action?: string;
  artifactId?: string;
  from?: number;
  to?: number;
  limit: number;
  /** Newest first: entries with seq below this. */
  beforeSeq?: number;
}

export interface TokenQuery {
  orgId: string;
  /** Only this user's tokens; all of the org's when absent. */
  userId?: string;
}

export type VersionKind = 'named' | 'auto' | 'restore';

/** A version's facts; its page is stored separately (a keyframe or a delta, see lib/versions/codec.ts). */
export interface VersionRecord {
  artifactId: string;
  /** 1, 2, 3… per artifact. */
  n: number;
  kind: VersionKind;
  message: string;
  authorKind: 'user' | 'agent';
  authorId: string;
  authorName: string;
  createdAt: number;
  session: string | null;
  commitSha: string | null;
  prUrl: string | null;
  sizeBytes: number;
  /** Bytes inserted plus deleted against the previous version. */
  changeBytes: number;
  restoredFrom: number | null;
  /** sha256 of the page: "nothing changed since the last version" is a hash compare. */
  contentHash: string;
}

export interface StoredVersion extends VersionRecord {
  keyframe: boolean;
  data: Uint8Array;
}

/** What rebuilding one version needs: its nearest keyframe and the deltas after it, in order. */
export interface VersionChain {
  keyframe: Uint8Array;
  deltas: Uint8Array[];
}

/** The store as seen inside `transaction` (see there). */
export interface StoreTransaction extends Omit<Store, 'transaction' | 'close'> {
  lock(key: string): Promise<void>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';

  // Documents: the Yjs update log and its compaction.
  loadDoc(docName: string): Promise<StoredDoc>;
  /**
   * Appends all entries in one durable transaction; returns each entry's seq.
   * With `touch`, the artifact's bookkeeping (updated time, and size when
   * given) commits in that same transaction.
   */
  appendUpdates(entries: UpdateEntry[], touch?: ArtifactTouch): Promise<number[]>;
  /**
   * Replaces the updates up to `uptoSeq` with `snapshot`, only if the stored
   * snapshot covers less than `uptoSeq` (a compaction built from an older
   * read never overwrites a newer one). The snapshot must be built from what
   * storage holds up to `uptoSeq` (see Room.compact), never from one process's memory
   * when other processes append to the same document.
   */
  compactDoc(docName: string, snapshot: Uint8Array, uptoSeq: number): Promise<void>;
  /**
   * What a process holding the document up to `afterSeq` lacks: the updates
   * with seq > afterSeq in seq order; when a compaction has already folded some of
   * them into the snapshot (snapshotSeq > afterSeq), the snapshot too, and the
   * updates after it. Seqs are assigned in commit order per document, so no
   * update with a seq at or below the returned `lastSeq` can commit later.
   */
  loadDocAfter(docName: string, afterSeq: number): Promise<StoredDoc>;
  /** The highest seq stored for the document (0 if none): one cheap read, for "am I up to date?". */
  latestSeq(docName: string): Promise<number>;
  deleteDoc(docName: string): Promise<void>;

  // Artifacts
  createArtifact(input: NewArtifact): Promise<ArtifactRecord>;
  getArtifact(id: string): Promise<ArtifactRecord | null>;
  listArtifacts(query: ArtifactQuery): Promise<ArtifactPage>;
  touchArtifact(id: string, patch: { updatedAt: number; sizeBytes?: number; title?: string }): Promise<void>;
  updateArtifact(id: string, patch: ArtifactGovernancePatch): Promise<ArtifactRecord | null>;
  /** Artifacts of the org not updated since `before` and not on legal hold, oldest first. */
  listExpiredArtifacts(orgId: string, before: number, limit: number): Promise<ArtifactRecord[]>;
  /**
   * Removes an artifact completely in one transaction: its row, its access
   * list and every document named in `docNames` (updates and snapshots).
   */
  purgeArtifact(id: string, docNames: string[]): Promise<void>;

  // Versions
  /** Appends a version; fails if that n exists (two writers raced: the caller re-reads and retries). */
  appendVersion(version: StoredVersion): Promise<void>;
  listVersions(artifactId: string, options?: { namedOnly?: boolean }): Promise<VersionRecord[]>;
  getVersion(artifactId: string, n: number): Promise<VersionRecord | null>;
  latestVersion(artifactId: string): Promise<(VersionRecord & { deltaBytesSinceKeyframe: number; deltasSinceKeyframe: number }) | null>;
  readVersionChain(artifactId: string, n: number): Promise<VersionChain | null>;
  /** The highest version a person has seen of an artifact ("new since you last looked"). */
  getSeenVersion(artifactId: string, userId: string): Promise<number | null>;
  /** Records that they saw version n; never lowers what was recorded. */
  markSeenVersion(artifactId: string, userId: string, n: number, at: number): Promise<void>;
  /** Artifacts of the org, not on legal hold, with a version older than `before` that is not their latest. */
  listArtifactsWithVersionsBefore(orgId: string, before: number, limit: number): Promise<ArtifactRecord[]>;
  /** Drops versions below `keepFrom`, first rewriting `keepFrom` as a keyframe so newer versions still read. */
  pruneVersions(artifactId: string, keepFrom: number, keyframe: Uint8Array): Promise<number>;

  // Identity
  createOrg(org: NewOrg): Promise<void>;
  getOrg(id: string): Promise<OrgRecord | null>;
  listOrgs(): Promise<OrgRecord[]>;
  updateOrg(id: string, patch: { name?: string; settings?: Partial<OrgSettings> }): Promise<OrgRecord | null>;
  createUser(user: UserRecord): Promise<void>;
  getUser(id: string): Promise<UserRecord | null>;
  updateUser(id: string, patch: { name?: string; passwordHash?: string }): Promise<void>;
  getUserByEmail(email: string): Promise<UserRecord | null>;
  countUsers(): Promise<number>;
  putMembership(membership: MembershipRecord): Promise<void>;
  getMembership(orgId: string, userId: string): Promise<MembershipRecord | null>;
  listMembershipsOfUser(userId: string): Promise<MembershipRecord[]>;
  listMembersOfOrg(orgId: string): Promise<Array<MembershipRecord & { user: UserRecord }>>;
  deleteMembership(orgId: string, userId: string): Promise<boolean>;

  createSession(session: SessionRecord): Promise<void>;
  getSession(id: string): Promise<SessionRecord | null>;
  revokeSession(id: string, at: number): Promise<void>;
  /** Revokes every live session of the user (but `exceptSessionId`); returns their ids. */
  revokeSessionsOfUser(userId: string, at: number, exceptSessionId?: string): Promise<string[]>;

  createAgentToken(token: AgentTokenRecord): Promise<void>;
  getAgentTokenByHash(tokenHash: string): Promise<AgentTokenRecord | null>;
  getAgentToken(id: string): Promise<AgentTokenRecord | null>;
  listAgentTokens(query: TokenQuery): Promise<AgentTokenRecord[]>;
  touchAgentToken(id: string, at: number): Promise<void>;
  /** True when this call revoked it (false if missing or already revoked). */
  revokeAgentToken(id: string, at: number): Promise<boolean>;
  /** Revokes every live token of a user in an org (on removal); returns their ids. */
  revokeAgentTokensOf(orgId: string, userId: string, at: number): Promise<string[]>;

  // Invitations
  createInvitation(invitation: InvitationRecord): Promise<void>;
  getInvitation(id: string): Promise<InvitationRecord | null>;
  getInvitationBySecretHash(secretHash: string): Promise<InvitationRecord | null>;
  listPendingInvitations(orgId: string, now: number): Promise<InvitationRecord[]>;
  revokeInvitation(id: string, at: number): Promise<boolean>;
  /**
   * Marks the invitation used and adds the membership, atomically and once:
   * false when it was already used, revoked or expired at `at`.
   */
  acceptInvitation(id: string, userId: string, at: number): Promise<boolean>;

  // Audit: append-only and hash-chained per organization.
  appendAudit(entry: NewAuditEntry): Promise<AuditRecord>;
  listAudit(query: AuditQuery): Promise<AuditRecord[]>;
  /** Oldest first, for export and verification: entries with seq > afterSeq. */
  readAuditChain(orgId: string, afterSeq: number, limit: number): Promise<AuditRecord[]>;

  // Small key/value settings. Never secrets: the signing keys live outside the database (server/auth/signing-keys.ts).
  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;
  /**
   * Removes a setting so that no copy of its value stays in storage (SQLite:
   * bytes overwritten, WAL emptied). False when the row is gone but a copy
   * may remain for now (another connection kept the WAL from being emptied).
   */
  deleteSetting(key: string): Promise<boolean>;

  /** The review layer: threads, comments, reactions, reviews, inbox (lib/store/review-types.ts). */
  readonly review: ReviewStore;

  // Coordination between processes.
  /**
   * Takes or renews the named lease for `holder` until `now + ttlMs`. Returns
   * the lease's fencing token (it grows every time the lease changes hands,
   * never when the same holder renews), or null while another holder's lease
   * is unexpired. Kept in the database, so a restart of anything else loses nothing.
   */
  acquireLease(name: string, holder: string, ttlMs: number, now: number): Promise<number | null>;
  /** Gives the lease up early (only if `holder` still holds it). */
  releaseLease(name: string, holder: string): Promise<void>;
  /**
   * Runs `work` holding an exclusive lock on `key` across every process on
   * this database (PostgreSQL: a session advisory lock on a connection of its
   * own; SQLite, one process: an in-process queue per key). Work under one key runs one at a time.
   */
  withLock<T>(key: string, work: () => Promise<T>): Promise<T>;
  /**
   * Runs `work` as one unit: every call made on `tx` (and `tx.review`)
   * commits together when `work` resolves, or none does when it throws. Calls
   * on the store itself from elsewhere wait or run outside it, never inside.
   * `tx.lock(key)` takes an exclusive lock held until the unit ends
   * (PostgreSQL: an advisory transaction lock; SQLite: the unit is already exclusive).
   */
  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T>;

  close(): Promise<void>;
}
