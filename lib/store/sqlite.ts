import Database from 'better-sqlite3';
import { makePrivateDir, touchPrivateFile } from '../private-files';
import { dirname } from 'node:path';
import {
  DEFAULT_ORG_SETTINGS,
  type AgentTokenRecord,
  type ArtifactGovernancePatch,
  type ArtifactPage,
  type ArtifactQuery,
  type ArtifactRecord,
  type ArtifactTouch,
  type AuditQuery,
  type AuditRecord,
  type InvitationRecord,
  type MembershipRecord,
  type NewArtifact,
  type NewAuditEntry,
  type NewOrg,
  type OrgRecord,
  type OrgSettings,
  type SessionRecord,
  type StoredVersion,
  type VersionChain,
  type VersionRecord,
  type Store,
  type StoreTransaction,
  type StoredDoc,
  type TokenQuery,
  type UpdateEntry,
  type UserRecord,
} from './types';
import { type Row, toBytes, toVersion, toOrg, toToken, toInvitation, toArtifact, toUser, toMembership, toAudit } from './rows';
import { GENESIS_HASH, chainHash } from '../audit/chain';
import { SQLITE_MIGRATIONS } from './sqlite-schema';
import { SqliteReviewStore } from './sqlite-review';
import { decodeCursor, encodeCursor } from './cursor';


/** Version facts without the page bytes. */
const VERSION_COLUMNS = `artifact_id, n, kind, message, author_kind, author_id, author_name, created_at, session, commit_sha, pr_url,
  size_bytes, change_bytes, restored_from, content_hash`;

/** Every artifact read carries its access list as one space-separated column. */
const ARTIFACT_COLUMNS = `artifacts.*, (SELECT group_concat(user_id, ' ') FROM artifact_members m WHERE m.artifact_id = artifacts.id) AS member_ids`;

/**
 * The SQL form of policy.canSeeArtifact, so a listing pages over exactly what
 * the viewer may see (the API still filters every row through the policy).
 */
const VISIBLE_TO_VIEWER = `(
  (status = 'published' AND (visibility = 'org' OR created_by = @viewerId OR @viewerAdmin = 1
     OR EXISTS (SELECT 1 FROM artifact_members m WHERE m.artifact_id = artifacts.id AND m.user_id = @viewerId)))
  OR (status = 'draft' AND (created_by = @viewerId OR (@viewerAdmin = 1 AND publish_requested_at IS NOT NULL)))
)`;

/**
 * SQLite backend (better-sqlite3, WAL). Calls are synchronous underneath;
 * the async interface is for parity with PostgreSQL. `synchronous = FULL`
 * makes every commit fsync the WAL: acknowledged means durable, even across
 * power loss, and batching one event-loop turn per commit keeps it fast.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly appendTx: (entries: UpdateEntry[], touch?: ArtifactTouch) => number[];
  private readonly compactTx: (docName: string, snapshot: Uint8Array, uptoSeq: number) => void;
  private readonly leaseTx: (name: string, holder: string, ttlMs: number, now: number) => number | null;
  private readonly auditTx: (entry: NewAuditEntry) => AuditRecord;
  readonly review: SqliteReviewStore;

  /**
   * `path` is the database file; or a connection opened by the caller (`loupe migrate` opens the file
   * with an exclusive lock first, so no server can have it open while it is copied).
   */
  constructor(path: string | Database.Database) {
    if (typeof path !== 'string') this.db = path;
    else {
      if (path !== ':memory:') {
        // Created private: SQLite gives the -wal and -shm files the main file's mode.
        makePrivateDir(dirname(path));
        touchPrivateFile(path);
      }
      this.db = new Database(path);
    }
    // Large pages live in big blobs: bigger pages and a memory map make reading one a few copies, not thousands of page lookups.
    this.db.pragma('page_size = 16384');
    try {
      this.db.pragma('journal_mode = WAL');
    } catch (error) {
      // Servers share the file (WAL); only an exclusive holder makes this fail: `loupe migrate` copying the install.
      if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
      this.db.close();
      throw new Error(`${typeof path === 'string' ? path : 'the database'} is locked by another process (\`loupe migrate\` holds it while it moves the install): start Loupe once it is done, on its new DATABASE_URL.`, { cause: error });
    }
    this.db.pragma('mmap_size = 1073741824');
    this.db.pragma('cache_size = -65536');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    const db = this.db;
    this.review = new SqliteReviewStore(db);
    this.stmts = {
      getSnapshot: db.prepare('SELECT snapshot, snapshot_seq FROM docs WHERE name = ?'),
      getSnapshotSeq: db.prepare('SELECT snapshot_seq FROM docs WHERE name = ?'),
      touchWithAppend: db.prepare('UPDATE artifacts SET updated_at = ?, size_bytes = coalesce(?, size_bytes) WHERE id = ?'),
      latestUpdateSeq: db.prepare('SELECT max(seq) AS seq FROM doc_updates WHERE doc_name = ?'),
      getLease: db.prepare('SELECT holder, expires_at, token FROM leases WHERE name = ?'),
      insertLease: db.prepare('INSERT INTO leases (name, holder, expires_at, token) VALUES (?, ?, ?, ?)'),
      updateLease: db.prepare('UPDATE leases SET holder = ?, expires_at = ?, token = ? WHERE name = ?'),
      releaseLease: db.prepare('UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ?'),
      getUpdates: db.prepare('SELECT seq, data FROM doc_updates WHERE doc_name = ? AND seq > ? ORDER BY seq'),
      insertUpdate: db.prepare('INSERT INTO doc_updates (doc_name, data) VALUES (?, ?)'),
      upsertSnapshot: db.prepare(
        `INSERT INTO docs (name, snapshot, snapshot_seq) VALUES (?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET snapshot = excluded.snapshot, snapshot_seq = excluded.snapshot_seq`,
      ),
      deleteUpdatesUpTo: db.prepare('DELETE FROM doc_updates WHERE doc_name = ? AND seq <= ?'),
      deleteDocUpdates: db.prepare('DELETE FROM doc_updates WHERE doc_name = ?'),
      deleteDocRow: db.prepare('DELETE FROM docs WHERE name = ?'),
      insertArtifact: db.prepare(
        `INSERT INTO artifacts (id, org_id, created_by, title, project, session, kind, status, created_at, updated_at, size_bytes,
           visibility, published_at, published_by)
         VALUES (@id, @orgId, @createdBy, @title, @project, @session, @kind, @status, @createdAt, @createdAt, 0,
           @visibility, @publishedAt, @publishedBy)`,
      ),
      getArtifact: db.prepare(`SELECT ${ARTIFACT_COLUMNS} FROM artifacts WHERE id = ?`),
      insertArtifactMember: db.prepare('INSERT OR IGNORE INTO artifact_members (artifact_id, user_id) VALUES (?, ?)'),
      deleteArtifactMembers: db.prepare('DELETE FROM artifact_members WHERE artifact_id = ?'),
      deleteArtifact: db.prepare('DELETE FROM artifacts WHERE id = ?'),
      expiredArtifacts: db.prepare(
        `SELECT ${ARTIFACT_COLUMNS} FROM artifacts WHERE org_id = ? AND legal_hold = 0 AND updated_at < ? ORDER BY updated_at LIMIT ?`,
      ),
      insertOrg: db.prepare(
        `INSERT INTO orgs (id, name, created_at, default_visibility, publish_role, retention_days, required_approvals)
         VALUES (@id, @name, @createdAt, @defaultVisibility, @publishRole, @retentionDays, @requiredApprovals)`,
      ),
      listOrgs: db.prepare('SELECT * FROM orgs ORDER BY created_at'),
      getOrg: db.prepare('SELECT * FROM orgs WHERE id = ?'),
      insertUser: db.prepare(
        'INSERT INTO users (id, email, name, password_hash, created_at) VALUES (@id, @email, @name, @passwordHash, @createdAt)',
      ),
      getUser: db.prepare('SELECT * FROM users WHERE id = ?'),
      getUserByEmail: db.prepare('SELECT * FROM users WHERE email = ?'),
      deleteMembership: db.prepare('DELETE FROM memberships WHERE org_id = ? AND user_id = ?'),
      liveSessionsOfUser: db.prepare('SELECT id FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND id IS NOT ?'),
      revokeSessionsOfUser: db.prepare('UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND id IS NOT ?'),
      getToken: db.prepare('SELECT * FROM agent_tokens WHERE id = ?'),
      revokeToken: db.prepare('UPDATE agent_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      liveTokensOf: db.prepare('SELECT id FROM agent_tokens WHERE org_id = ? AND user_id = ? AND revoked_at IS NULL'),
      revokeTokensOf: db.prepare('UPDATE agent_tokens SET revoked_at = ? WHERE org_id = ? AND user_id = ? AND revoked_at IS NULL'),
      insertInvitation: db.prepare(
        `INSERT INTO invitations (id, org_id, secret_hash, email, role, created_by, created_at, expires_at, accepted_at, accepted_by, revoked_at)
         VALUES (@id, @orgId, @secretHash, @email, @role, @createdBy, @createdAt, @expiresAt, @acceptedAt, @acceptedBy, @revokedAt)`,
      ),
      getInvitation: db.prepare('SELECT * FROM invitations WHERE id = ?'),
      getInvitationBySecret: db.prepare('SELECT * FROM invitations WHERE secret_hash = ?'),
      pendingInvitations: db.prepare(
        `SELECT * FROM invitations WHERE org_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?
         ORDER BY created_at DESC`,
      ),
      revokeInvitation: db.prepare('UPDATE invitations SET revoked_at = ? WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL'),
      useInvitation: db.prepare(
        `UPDATE invitations SET accepted_at = @at, accepted_by = @userId
         WHERE id = @id AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > @at`,
      ),
      auditHead: db.prepare('SELECT seq, hash FROM audit_log WHERE org_id = ? ORDER BY seq DESC LIMIT 1'),
      insertAudit: db.prepare(
        `INSERT INTO audit_log (org_id, seq, at, action, actor_kind, actor_id, actor_name, artifact_id, target_type, target_id,
           target_label, details, ip, user_agent, prev_hash, hash)
         VALUES (@orgId, @seq, @at, @action, @actorKind, @actorId, @actorName, @artifactId, @targetType, @targetId,
           @targetLabel, @details, @ip, @userAgent, @prevHash, @hash)`,
      ),
      insertVersion: db.prepare(
        `INSERT INTO versions (artifact_id, n, kind, message, author_kind, author_id, author_name, created_at, session, commit_sha,
           pr_url, size_bytes, change_bytes, restored_from, content_hash, keyframe, data)
         VALUES (@artifactId, @n, @kind, @message, @authorKind, @authorId, @authorName, @createdAt, @session, @commitSha,
           @prUrl, @sizeBytes, @changeBytes, @restoredFrom, @contentHash, @keyframe, @data)`,
      ),
      listVersions: db.prepare(`SELECT ${VERSION_COLUMNS} FROM versions WHERE artifact_id = ? ORDER BY n DESC`),
      listNamedVersions: db.prepare(`SELECT ${VERSION_COLUMNS} FROM versions WHERE artifact_id = ? AND kind != 'auto' ORDER BY n DESC`),
      getVersion: db.prepare(`SELECT ${VERSION_COLUMNS} FROM versions WHERE artifact_id = ? AND n = ?`),
      latestVersion: db.prepare(`SELECT ${VERSION_COLUMNS} FROM versions WHERE artifact_id = ? ORDER BY n DESC LIMIT 1`),
      chainSinceKeyframe: db.prepare(
        `SELECT COUNT(*) AS deltas, COALESCE(SUM(length(data)), 0) AS bytes FROM versions
         WHERE artifact_id = @artifactId AND keyframe = 0
           AND n > (SELECT COALESCE(MAX(n), 0) FROM versions WHERE artifact_id = @artifactId AND keyframe = 1)`,
      ),
      keyframeAtOrBelow: db.prepare('SELECT n, data FROM versions WHERE artifact_id = ? AND keyframe = 1 AND n <= ? ORDER BY n DESC LIMIT 1'),
      deltasBetween: db.prepare('SELECT data FROM versions WHERE artifact_id = ? AND n > ? AND n <= ? ORDER BY n'),
      rewriteAsKeyframe: db.prepare('UPDATE versions SET keyframe = 1, data = ? WHERE artifact_id = ? AND n = ?'),
      deleteVersionsBelow: db.prepare('DELETE FROM versions WHERE artifact_id = ? AND n < ?'),
      deleteVersions: db.prepare('DELETE FROM versions WHERE artifact_id = ?'),
      artifactsWithOldVersions: db.prepare(
        `SELECT ${ARTIFACT_COLUMNS} FROM artifacts WHERE org_id = ? AND legal_hold = 0 AND EXISTS (
           SELECT 1 FROM versions v WHERE v.artifact_id = artifacts.id AND v.created_at < ?
             AND v.n < (SELECT MAX(n) FROM versions w WHERE w.artifact_id = artifacts.id))
         LIMIT ?`,
      ),
      getSeen: db.prepare('SELECT n FROM version_seen WHERE artifact_id = ? AND user_id = ?'),
      markSeen: db.prepare(
        `INSERT INTO version_seen (artifact_id, user_id, n, seen_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(artifact_id, user_id) DO UPDATE SET n = MAX(n, excluded.n), seen_at = excluded.seen_at`,
      ),
      deleteSeen: db.prepare('DELETE FROM version_seen WHERE artifact_id = ?'),
      auditChain: db.prepare('SELECT * FROM audit_log WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
      countUsers: db.prepare('SELECT COUNT(*) AS n FROM users'),
      putMembership: db.prepare(
        `INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (@orgId, @userId, @role, @createdAt)
         ON CONFLICT(org_id, user_id) DO UPDATE SET role = excluded.role`,
      ),
      getMembership: db.prepare('SELECT * FROM memberships WHERE org_id = ? AND user_id = ?'),
      membershipsOfUser: db.prepare('SELECT * FROM memberships WHERE user_id = ? ORDER BY created_at'),
      membersOfOrg: db.prepare(
        `SELECT m.*, u.id AS u_id, u.email AS u_email, u.name AS u_name, u.created_at AS u_created_at
         FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = ? ORDER BY u.name`,
      ),
      insertSession: db.prepare(
        'INSERT INTO sessions (id, user_id, created_at, expires_at, revoked_at) VALUES (@id, @userId, @createdAt, @expiresAt, @revokedAt)',
      ),
      getSession: db.prepare('SELECT * FROM sessions WHERE id = ?'),
      revokeSession: db.prepare('UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      insertToken: db.prepare(
        `INSERT INTO agent_tokens (id, org_id, user_id, name, token_hash, scopes, created_at, expires_at, last_used_at, revoked_at)
         VALUES (@id, @orgId, @userId, @name, @tokenHash, @scopes, @createdAt, @expiresAt, @lastUsedAt, @revokedAt)`,
      ),
      getTokenByHash: db.prepare('SELECT * FROM agent_tokens WHERE token_hash = ?'),
      touchToken: db.prepare('UPDATE agent_tokens SET last_used_at = ? WHERE id = ?'),
      getSetting: db.prepare('SELECT value FROM settings WHERE key = ?'),
      deleteSetting: db.prepare('DELETE FROM settings WHERE key = ?'),
      setSetting: db.prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
    };
    this.appendTx = db.transaction((entries: UpdateEntry[], touch?: ArtifactTouch) => {
      const seqs = entries.map((entry) => Number(this.stmts.insertUpdate.run(entry.docName, entry.data).lastInsertRowid));
      if (touch) this.stmts.touchWithAppend.run(touch.updatedAt, touch.sizeBytes ?? null, touch.artifactId);
      return seqs;
    });
    this.auditTx = db.transaction((entry: NewAuditEntry) => {
      const head = this.stmts.auditHead.get(entry.orgId) as { seq: number; hash: string } | undefined;
      const seq = (head?.seq ?? 0) + 1;
      const prevHash = head?.hash ?? GENESIS_HASH;
      const record: AuditRecord = { ...entry, seq, prevHash, hash: chainHash(prevHash, { ...entry, seq }) };
      this.stmts.insertAudit.run({ ...record, details: JSON.stringify(record.details) });
      return record;
    });
    this.compactTx = db.transaction((docName: string, snapshot: Uint8Array, uptoSeq: number) => {
      const current = this.stmts.getSnapshotSeq.get(docName) as { snapshot_seq: number } | undefined;
      // A compaction built from an older read never replaces a newer snapshot.
      if (current && current.snapshot_seq >= uptoSeq) return;
      this.stmts.upsertSnapshot.run(docName, snapshot, uptoSeq);
      this.stmts.deleteUpdatesUpTo.run(docName, uptoSeq);
    });
    this.leaseTx = db.transaction((name: string, holder: string, ttlMs: number, now: number): number | null => {
      const row = this.stmts.getLease.get(name) as { holder: string; expires_at: number; token: number } | undefined;
      if (!row) {
        this.stmts.insertLease.run(name, holder, now + ttlMs, 1);
        return 1;
      }
      if (row.holder === holder) {
        this.stmts.updateLease.run(holder, now + ttlMs, row.token, name);
        return row.token;
      }
      if (row.expires_at > now) return null;
      this.stmts.updateLease.run(holder, now + ttlMs, row.token + 1, name);
      return row.token + 1;
    });
    // Outside a transaction every call waits for the open one to end (see transaction and gated).
    return gated(this);
  }

  async loadDoc(docName: string): Promise<StoredDoc> {
    const snap = this.stmts.getSnapshot.get(docName) as { snapshot: Buffer; snapshot_seq: number } | undefined;
    const snapshotSeq = snap?.snapshot_seq ?? 0;
    const rows = this.stmts.getUpdates.all(docName, snapshotSeq) as Array<{ seq: number; data: Buffer }>;
    return {
      snapshot: snap ? toBytes(snap.snapshot) : null,
      snapshotSeq,
      updates: rows.map((row) => toBytes(row.data)),
      lastSeq: rows.length > 0 ? rows[rows.length - 1].seq : snapshotSeq,
    };
  }

  async loadDocAfter(docName: string, afterSeq: number): Promise<StoredDoc> {
    const snap = this.stmts.getSnapshotSeq.get(docName) as { snapshot_seq: number } | undefined;
    // Compacted past what the caller holds: it needs the snapshot (a superset it merges) and the tail.
    if (snap && snap.snapshot_seq > afterSeq) return this.loadDoc(docName);
    const rows = this.stmts.getUpdates.all(docName, afterSeq) as Array<{ seq: number; data: Buffer }>;
    return {
      snapshot: null,
      snapshotSeq: snap?.snapshot_seq ?? 0,
      updates: rows.map((row) => toBytes(row.data)),
      lastSeq: rows.length > 0 ? rows[rows.length - 1].seq : Math.max(afterSeq, snap?.snapshot_seq ?? 0),
    };
  }

  async latestSeq(docName: string): Promise<number> {
    const row = this.stmts.latestUpdateSeq.get(docName) as { seq: number | null };
    if (row.seq !== null) return row.seq;
    const snap = this.stmts.getSnapshotSeq.get(docName) as { snapshot_seq: number } | undefined;
    return snap?.snapshot_seq ?? 0;
  }

  async acquireLease(name: string, holder: string, ttlMs: number, now: number): Promise<number | null> {
    return this.leaseTx(name, holder, ttlMs, now);
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    this.stmts.releaseLease.run(name, holder);
  }

  async appendUpdates(entries: UpdateEntry[], touch?: ArtifactTouch): Promise<number[]> {
    if (entries.length === 0) return [];
    return this.appendTx(entries, touch);
  }

  async compactDoc(docName: string, snapshot: Uint8Array, uptoSeq: number): Promise<void> {
    this.compactTx(docName, snapshot, uptoSeq);
  }

  async deleteDoc(docName: string): Promise<void> {
    this.db.transaction(() => {
      this.stmts.deleteDocUpdates.run(docName);
      this.stmts.deleteDocRow.run(docName);
    })();
  }

  async createArtifact(input: NewArtifact): Promise<ArtifactRecord> {
    const members = input.members ?? [];
    this.db.transaction(() => {
      this.stmts.insertArtifact.run({ ...input, publishedAt: input.publishedAt ?? null, publishedBy: input.publishedBy ?? null });
      for (const userId of members) this.stmts.insertArtifactMember.run(input.id, userId);
    })();
    return (await this.getArtifact(input.id))!;
  }

  async getArtifact(id: string): Promise<ArtifactRecord | null> {
    const row = this.stmts.getArtifact.get(id) as Row | undefined;
    return row ? toArtifact(row) : null;
  }

  async listArtifacts(query: ArtifactQuery): Promise<ArtifactPage> {
    const where: string[] = ['org_id = @orgId', VISIBLE_TO_VIEWER];
    const params: Record<string, unknown> = {
      orgId: query.orgId,
      limit: query.limit + 1,
      viewerId: query.viewer.userId,
      viewerAdmin: query.viewer.isAdmin ? 1 : 0,
    };
    if (query.status) { where.push('status = @status'); params.status = query.status; }
    if (query.project) { where.push('project = @project'); params.project = query.project; }
    if (query.session) { where.push('session = @session'); params.session = query.session; }
    if (query.kind) { where.push('kind = @kind'); params.kind = query.kind; }
    if (query.q) {
      where.push("title LIKE @q ESCAPE '\\'");
      params.q = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    }
    const cursor = query.cursor ? decodeCursor(query.cursor) : null;
    if (cursor) {
      where.push('(updated_at < @cUpdated OR (updated_at = @cUpdated AND id < @cId))');
      params.cUpdated = cursor.updatedAt;
      params.cId = cursor.id;
    }
    const rows = this.db
      .prepare(`SELECT ${ARTIFACT_COLUMNS} FROM artifacts WHERE ${where.join(' AND ')} ORDER BY updated_at DESC, id DESC LIMIT @limit`)
      .all(params) as Row[];
    const items = rows.slice(0, query.limit).map(toArtifact);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last.updatedAt, last.id) : null };
  }

  async touchArtifact(id: string, patch: { updatedAt: number; sizeBytes?: number; title?: string }): Promise<void> {
    const sets = ['updated_at = @updatedAt'];
    if (patch.sizeBytes !== undefined) sets.push('size_bytes = @sizeBytes');
    if (patch.title !== undefined) sets.push('title = @title');
    this.db.prepare(`UPDATE artifacts SET ${sets.join(', ')} WHERE id = @id`).run({ id, ...patch });
  }

  async updateArtifact(id: string, patch: ArtifactGovernancePatch): Promise<ArtifactRecord | null> {
    const columns: Record<keyof Omit<ArtifactGovernancePatch, 'members'>, string> = {
      status: 'status',
      visibility: 'visibility',
      legalHold: 'legal_hold',
      publishRequestedAt: 'publish_requested_at',
      publishedAt: 'published_at',
      publishedBy: 'published_by',
    };
    const sets: string[] = [];
    const params: Record<string, unknown> = { id };
    for (const [key, column] of Object.entries(columns) as Array<[keyof typeof columns, string]>) {
      if (patch[key] === undefined) continue;
      sets.push(`${column} = @${key}`);
      params[key] = key === 'legalHold' ? (patch.legalHold ? 1 : 0) : patch[key];
    }
    this.db.transaction(() => {
      if (sets.length > 0) this.db.prepare(`UPDATE artifacts SET ${sets.join(', ')} WHERE id = @id`).run(params);
      if (patch.members) {
        this.stmts.deleteArtifactMembers.run(id);
        for (const userId of new Set(patch.members)) this.stmts.insertArtifactMember.run(id, userId);
      }
    })();
    return this.getArtifact(id);
  }

  async listExpiredArtifacts(orgId: string, before: number, limit: number): Promise<ArtifactRecord[]> {
    return (this.stmts.expiredArtifacts.all(orgId, before, limit) as Row[]).map(toArtifact);
  }

  async purgeArtifact(id: string, docNames: string[]): Promise<void> {
    this.db.transaction(() => {
      for (const name of docNames) {
        this.stmts.deleteDocUpdates.run(name);
        this.stmts.deleteDocRow.run(name);
      }
      this.stmts.deleteVersions.run(id);
      this.stmts.deleteSeen.run(id);
      this.review.purgeArtifactNow(id);
      this.stmts.deleteArtifactMembers.run(id);
      this.stmts.deleteArtifact.run(id);
    })();
  }

  async appendVersion(version: StoredVersion): Promise<void> {
    this.stmts.insertVersion.run({ ...version, keyframe: version.keyframe ? 1 : 0 });
  }

  async listVersions(artifactId: string, options: { namedOnly?: boolean } = {}): Promise<VersionRecord[]> {
    const stmt = options.namedOnly ? this.stmts.listNamedVersions : this.stmts.listVersions;
    return (stmt.all(artifactId) as Row[]).map(toVersion);
  }

  async getVersion(artifactId: string, n: number): Promise<VersionRecord | null> {
    const row = this.stmts.getVersion.get(artifactId, n) as Row | undefined;
    return row ? toVersion(row) : null;
  }

  async latestVersion(artifactId: string) {
    const row = this.stmts.latestVersion.get(artifactId) as Row | undefined;
    if (!row) return null;
    const chain = this.stmts.chainSinceKeyframe.get({ artifactId }) as { deltas: number; bytes: number };
    return { ...toVersion(row), deltaBytesSinceKeyframe: Number(chain.bytes), deltasSinceKeyframe: Number(chain.deltas) };
  }

  async readVersionChain(artifactId: string, n: number): Promise<VersionChain | null> {
    return this.db.transaction(() => {
      if (!this.stmts.getVersion.get(artifactId, n)) return null;
      const key = this.stmts.keyframeAtOrBelow.get(artifactId, n) as { n: number; data: Buffer } | undefined;
      if (!key) throw new Error(`version ${n} of ${artifactId} has no keyframe below it`);
      const deltas = (this.stmts.deltasBetween.all(artifactId, key.n, n) as Array<{ data: Buffer }>).map((row) => toBytes(row.data));
      return { keyframe: toBytes(key.data), deltas };
    })();
  }

  async listArtifactsWithVersionsBefore(orgId: string, before: number, limit: number): Promise<ArtifactRecord[]> {
    return (this.stmts.artifactsWithOldVersions.all(orgId, before, limit) as Row[]).map(toArtifact);
  }

  async getSeenVersion(artifactId: string, userId: string): Promise<number | null> {
    const row = this.stmts.getSeen.get(artifactId, userId) as { n: number } | undefined;
    return row ? Number(row.n) : null;
  }

  async markSeenVersion(artifactId: string, userId: string, n: number, at: number): Promise<void> {
    this.stmts.markSeen.run(artifactId, userId, n, at);
  }

  async pruneVersions(artifactId: string, keepFrom: number, keyframe: Uint8Array): Promise<number> {
    return this.db.transaction(() => {
      this.stmts.rewriteAsKeyframe.run(keyframe, artifactId, keepFrom);
      return this.stmts.deleteVersionsBelow.run(artifactId, keepFrom).changes;
    })();
  }

  async createOrg(org: NewOrg): Promise<void> {
    this.stmts.insertOrg.run({ ...DEFAULT_ORG_SETTINGS, ...org.settings, id: org.id, name: org.name, createdAt: org.createdAt });
  }

  async getOrg(id: string): Promise<OrgRecord | null> {
    const row = this.stmts.getOrg.get(id) as Row | undefined;
    return row ? toOrg(row) : null;
  }

  async listOrgs(): Promise<OrgRecord[]> {
    return (this.stmts.listOrgs.all() as Row[]).map(toOrg);
  }

  async updateOrg(id: string, patch: { name?: string; settings?: Partial<OrgSettings> }): Promise<OrgRecord | null> {
    const columns = {
      name: 'name',
      defaultVisibility: 'default_visibility',
      publishRole: 'publish_role',
      retentionDays: 'retention_days',
      requiredApprovals: 'required_approvals',
    };
    const values: Record<string, unknown> = { name: patch.name, ...patch.settings };
    const sets: string[] = [];
    const params: Record<string, unknown> = { id };
    for (const [key, column] of Object.entries(columns)) {
      if (values[key] === undefined) continue;
      sets.push(`${column} = @${key}`);
      params[key] = values[key];
    }
    if (sets.length > 0) this.db.prepare(`UPDATE orgs SET ${sets.join(', ')} WHERE id = @id`).run(params);
    return this.getOrg(id);
  }

  async createUser(user: UserRecord): Promise<void> {
    this.stmts.insertUser.run(user);
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const row = this.stmts.getUser.get(id) as Row | undefined;
    return row ? toUser(row) : null;
  }

  async getUserByEmail(email: string): Promise<UserRecord | null> {
    const row = this.stmts.getUserByEmail.get(email.toLowerCase()) as Row | undefined;
    return row ? toUser(row) : null;
  }

  async updateUser(id: string, patch: { name?: string; passwordHash?: string }): Promise<void> {
    const sets: string[] = [];
    if (patch.name !== undefined) sets.push('name = @name');
    if (patch.passwordHash !== undefined) sets.push('password_hash = @passwordHash');
    if (sets.length > 0) this.db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = @id`).run({ id, ...patch });
  }

  async countUsers(): Promise<number> {
    return Number((this.stmts.countUsers.get() as { n: number }).n);
  }

  async putMembership(m: MembershipRecord): Promise<void> {
    this.stmts.putMembership.run(m);
  }

  async getMembership(orgId: string, userId: string): Promise<MembershipRecord | null> {
    const row = this.stmts.getMembership.get(orgId, userId) as Row | undefined;
    return row ? toMembership(row) : null;
  }

  async listMembershipsOfUser(userId: string): Promise<MembershipRecord[]> {
    return (this.stmts.membershipsOfUser.all(userId) as Row[]).map(toMembership);
  }

  async listMembersOfOrg(orgId: string): Promise<Array<MembershipRecord & { user: UserRecord }>> {
    return (this.stmts.membersOfOrg.all(orgId) as Row[]).map((row) => ({
      ...toMembership(row),
      user: {
        id: String(row.u_id),
        email: String(row.u_email),
        name: String(row.u_name),
        passwordHash: null,
        createdAt: Number(row.u_created_at),
      },
    }));
  }

  async deleteMembership(orgId: string, userId: string): Promise<boolean> {
    return this.stmts.deleteMembership.run(orgId, userId).changes > 0;
  }

  async createSession(session: SessionRecord): Promise<void> {
    this.stmts.insertSession.run(session);
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    const row = this.stmts.getSession.get(id) as Row | undefined;
    if (!row) return null;
    return {
      id: String(row.id),
      userId: String(row.user_id),
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
      revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    };
  }

  async revokeSession(id: string, at: number): Promise<void> {
    this.stmts.revokeSession.run(at, id);
  }

  async revokeSessionsOfUser(userId: string, at: number, exceptSessionId?: string): Promise<string[]> {
    return this.db.transaction(() => {
      const ids = (this.stmts.liveSessionsOfUser.all(userId, exceptSessionId ?? null) as Row[]).map((row) => String(row.id));
      this.stmts.revokeSessionsOfUser.run(at, userId, exceptSessionId ?? null);
      return ids;
    })();
  }

  async createAgentToken(token: AgentTokenRecord): Promise<void> {
    this.stmts.insertToken.run({ ...token, scopes: token.scopes.join(' ') });
  }

  async getAgentTokenByHash(tokenHash: string): Promise<AgentTokenRecord | null> {
    const row = this.stmts.getTokenByHash.get(tokenHash) as Row | undefined;
    return row ? toToken(row) : null;
  }

  async getAgentToken(id: string): Promise<AgentTokenRecord | null> {
    const row = this.stmts.getToken.get(id) as Row | undefined;
    return row ? toToken(row) : null;
  }

  async listAgentTokens(query: TokenQuery): Promise<AgentTokenRecord[]> {
    const rows = query.userId
      ? this.db.prepare('SELECT * FROM agent_tokens WHERE org_id = ? AND user_id = ? ORDER BY created_at DESC').all(query.orgId, query.userId)
      : this.db.prepare('SELECT * FROM agent_tokens WHERE org_id = ? ORDER BY created_at DESC').all(query.orgId);
    return (rows as Row[]).map(toToken);
  }

  async revokeAgentToken(id: string, at: number): Promise<boolean> {
    return this.stmts.revokeToken.run(at, id).changes > 0;
  }

  async revokeAgentTokensOf(orgId: string, userId: string, at: number): Promise<string[]> {
    return this.db.transaction(() => {
      const ids = (this.stmts.liveTokensOf.all(orgId, userId) as Row[]).map((row) => String(row.id));
      this.stmts.revokeTokensOf.run(at, orgId, userId);
      return ids;
    })();
  }

  async createInvitation(invitation: InvitationRecord): Promise<void> {
    this.stmts.insertInvitation.run(invitation);
  }

  async getInvitation(id: string): Promise<InvitationRecord | null> {
    const row = this.stmts.getInvitation.get(id) as Row | undefined;
    return row ? toInvitation(row) : null;
  }

  async getInvitationBySecretHash(secretHash: string): Promise<InvitationRecord | null> {
    const row = this.stmts.getInvitationBySecret.get(secretHash) as Row | undefined;
    return row ? toInvitation(row) : null;
  }

  async listPendingInvitations(orgId: string, now: number): Promise<InvitationRecord[]> {
    return (this.stmts.pendingInvitations.all(orgId, now) as Row[]).map(toInvitation);
  }

  async revokeInvitation(id: string, at: number): Promise<boolean> {
    return this.stmts.revokeInvitation.run(at, id).changes > 0;
  }

  async acceptInvitation(id: string, userId: string, at: number): Promise<boolean> {
    return this.db.transaction(() => {
      if (this.stmts.useInvitation.run({ id, userId, at }).changes === 0) return false;
      const invitation = toInvitation(this.stmts.getInvitation.get(id) as Row);
      const existing = this.stmts.getMembership.get(invitation.orgId, userId) as Row | undefined;
      // Joining never lowers a role someone already has.
      if (!existing) this.stmts.putMembership.run({ orgId: invitation.orgId, userId, role: invitation.role, createdAt: at });
      return true;
    })();
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditRecord> {
    return this.auditTx(entry);
  }

  async listAudit(query: AuditQuery): Promise<AuditRecord[]> {
    const where = ['org_id = @orgId'];
    const params: Record<string, unknown> = { orgId: query.orgId, limit: query.limit };
    if (query.actorId) { where.push('actor_id = @actorId'); params.actorId = query.actorId; }
    if (query.action) { where.push('action = @action'); params.action = query.action; }
    if (query.artifactId) { where.push('artifact_id = @artifactId'); params.artifactId = query.artifactId; }
    if (query.from !== undefined) { where.push('at >= @from'); params.from = query.from; }
    if (query.to !== undefined) { where.push('at < @to'); params.to = query.to; }
    if (query.beforeSeq !== undefined) { where.push('seq < @beforeSeq'); params.beforeSeq = query.beforeSeq; }
    const rows = this.db
      .prepare(`SELECT * FROM audit_log WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT @limit`)
      .all(params) as Row[];
    return rows.map(toAudit);
  }

  async readAuditChain(orgId: string, afterSeq: number, limit: number): Promise<AuditRecord[]> {
    return (this.stmts.auditChain.all(orgId, afterSeq, limit) as Row[]).map(toAudit);
  }

  async touchAgentToken(id: string, at: number): Promise<void> {
    this.stmts.touchToken.run(at, id);
  }

  async getSetting(key: string): Promise<string | null> {
    const row = this.stmts.getSetting.get(key) as { value: string } | undefined;
    return row ? row.value : null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    this.stmts.setSetting.run(key, value);
  }

  async deleteSetting(key: string): Promise<boolean> {
    // Overwrite the freed bytes, then fold the WAL (which still holds the page as it was) into the file and empty it.
    this.db.pragma('secure_delete = ON');
    try {
      this.stmts.deleteSetting.run(key);
    } finally {
      this.db.pragma('secure_delete = OFF');
    }
    // Busy when another connection is reading: the old page then stays in the WAL until a later checkpoint reuses it.
    const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    return result?.busy === 0;
  }

  /** The tail of each key's queue of withLock work. */
  private readonly lockTails = new Map<string, Promise<unknown>>();

  async withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const raw = rawOf(this);
    const before = raw.lockTails.get(key) ?? Promise.resolve();
    const run = before.then(work, work);
    const tail = run.catch(() => undefined);
    raw.lockTails.set(key, tail);
    try {
      return await run;
    } finally {
      if (raw.lockTails.get(key) === tail) raw.lockTails.delete(key);
    }
  }

  /** Set while a transaction is open: calls from outside it wait for this (see gated). */
  openTransaction: Promise<void> | null = null;

  /**
   * better-sqlite3's own transactions cannot span an await, so a unit of
   * async work is BEGIN IMMEDIATE … COMMIT on the one connection, and every
   * call from outside it waits until it ends: nothing else's write can land
   * inside it (and be rolled back with it, or be acknowledged before it commits).
   */
  async transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    const raw = rawOf(this);
    while (raw.openTransaction) await raw.openTransaction;
    let end!: () => void;
    raw.openTransaction = new Promise<void>((resolve) => (end = resolve));
    const view = Object.assign(Object.create(raw) as SqliteStore, { lock: async () => {} }) as unknown as StoreTransaction;
    try {
      raw.db.exec('BEGIN IMMEDIATE');
      let result: T;
      try {
        result = await work(view);
      } catch (error) {
        raw.db.exec('ROLLBACK');
        throw error;
      }
      raw.db.exec('COMMIT');
      return result;
    } finally {
      raw.openTransaction = null;
      end();
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

const RAW = Symbol('raw');

function rawOf(store: SqliteStore): SqliteStore {
  return (store as unknown as { [RAW]?: SqliteStore })[RAW] ?? store;
}

/**
 * The store every caller gets: while a transaction is open, each method call
 * (the review store's too) waits for it to end before it runs. Methods run on
 * the raw object, so one method calling another, and the transaction's own
 * view (which is the raw object), never wait on themselves.
 */
function gated(store: SqliteStore): SqliteStore {
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(obj, prop) {
        if (prop === RAW) return store;
        const value = Reflect.get(obj, prop, obj) as unknown;
        if (prop === 'review' && value && typeof value === 'object') return wrappedReview;
        if (typeof value !== 'function' || prop === 'transaction' || prop === 'withLock' || prop === 'constructor') return value;
        return (...args: unknown[]) => {
          if (!store.openTransaction) return (value as (...a: unknown[]) => unknown).apply(obj, args);
          return (async () => {
            while (store.openTransaction) await store.openTransaction;
            return (value as (...a: unknown[]) => unknown).apply(obj, args);
          })();
        };
      },
    });
  const wrappedReview = wrap(store.review);
  return wrap(store);
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version),
  );
  SQLITE_MIGRATIONS.forEach((sql, index) => {
    const version = index + 1;
    if (applied.has(version)) return;
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
    })();
  });
}
