import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  AgentTokenRecord,
  ArtifactPage,
  ArtifactQuery,
  ArtifactRecord,
  MembershipRecord,
  NewArtifact,
  OrgRecord,
  Role,
  SessionRecord,
  Store,
  StoredDoc,
  TokenScope,
  UpdateEntry,
  UserRecord,
} from './types';
import { SQLITE_MIGRATIONS } from './sqlite-schema';
import { decodeCursor, encodeCursor } from './cursor';

type Row = Record<string, unknown>;

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
  private readonly appendTx: (entries: UpdateEntry[]) => number[];
  private readonly compactTx: (docName: string, snapshot: Uint8Array, uptoSeq: number) => void;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    // Large pages live in big blobs: bigger pages and a memory map make reading one a few copies, not thousands of page lookups.
    this.db.pragma('page_size = 16384');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('mmap_size = 1073741824');
    this.db.pragma('cache_size = -65536');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    const db = this.db;
    this.stmts = {
      getSnapshot: db.prepare('SELECT snapshot, snapshot_seq FROM docs WHERE name = ?'),
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
        `INSERT INTO artifacts (id, org_id, created_by, title, project, session, kind, status, created_at, updated_at, size_bytes)
         VALUES (@id, @orgId, @createdBy, @title, @project, @session, @kind, @status, @createdAt, @createdAt, 0)`,
      ),
      getArtifact: db.prepare('SELECT * FROM artifacts WHERE id = ?'),
      insertOrg: db.prepare('INSERT INTO orgs (id, name, created_at) VALUES (@id, @name, @createdAt)'),
      getOrg: db.prepare('SELECT * FROM orgs WHERE id = ?'),
      insertUser: db.prepare(
        'INSERT INTO users (id, email, name, password_hash, created_at) VALUES (@id, @email, @name, @passwordHash, @createdAt)',
      ),
      getUser: db.prepare('SELECT * FROM users WHERE id = ?'),
      getUserByEmail: db.prepare('SELECT * FROM users WHERE email = ?'),
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
      setSetting: db.prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
    };
    this.appendTx = db.transaction((entries: UpdateEntry[]) =>
      entries.map((entry) => Number(this.stmts.insertUpdate.run(entry.docName, entry.data).lastInsertRowid)),
    );
    this.compactTx = db.transaction((docName: string, snapshot: Uint8Array, uptoSeq: number) => {
      this.stmts.upsertSnapshot.run(docName, snapshot, uptoSeq);
      this.stmts.deleteUpdatesUpTo.run(docName, uptoSeq);
    });
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

  async appendUpdates(entries: UpdateEntry[]): Promise<number[]> {
    if (entries.length === 0) return [];
    return this.appendTx(entries);
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
    this.stmts.insertArtifact.run(input);
    return { ...input, updatedAt: input.createdAt, sizeBytes: 0 };
  }

  async getArtifact(id: string): Promise<ArtifactRecord | null> {
    const row = this.stmts.getArtifact.get(id) as Row | undefined;
    return row ? toArtifact(row) : null;
  }

  async listArtifacts(query: ArtifactQuery): Promise<ArtifactPage> {
    const where: string[] = ['org_id = @orgId'];
    const params: Record<string, unknown> = { orgId: query.orgId, limit: query.limit + 1 };
    if (query.project) (where.push('project = @project'), (params.project = query.project));
    if (query.session) (where.push('session = @session'), (params.session = query.session));
    if (query.kind) (where.push('kind = @kind'), (params.kind = query.kind));
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
      .prepare(`SELECT * FROM artifacts WHERE ${where.join(' AND ')} ORDER BY updated_at DESC, id DESC LIMIT @limit`)
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

  async createOrg(org: OrgRecord): Promise<void> {
    this.stmts.insertOrg.run(org);
  }

  async getOrg(id: string): Promise<OrgRecord | null> {
    const row = this.stmts.getOrg.get(id) as Row | undefined;
    return row ? { id: String(row.id), name: String(row.name), createdAt: Number(row.created_at) } : null;
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

  async createAgentToken(token: AgentTokenRecord): Promise<void> {
    this.stmts.insertToken.run({ ...token, scopes: token.scopes.join(' ') });
  }

  async getAgentTokenByHash(tokenHash: string): Promise<AgentTokenRecord | null> {
    const row = this.stmts.getTokenByHash.get(tokenHash) as Row | undefined;
    if (!row) return null;
    return {
      id: String(row.id),
      orgId: String(row.org_id),
      userId: String(row.user_id),
      name: String(row.name),
      tokenHash: String(row.token_hash),
      scopes: String(row.scopes).split(' ').filter(Boolean) as TokenScope[],
      createdAt: Number(row.created_at),
      expiresAt: nullableNumber(row.expires_at),
      lastUsedAt: nullableNumber(row.last_used_at),
      revokedAt: nullableNumber(row.revoked_at),
    };
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

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
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

function toBytes(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function toArtifact(row: Row): ArtifactRecord {
  return {
    id: String(row.id),
    orgId: String(row.org_id),
    createdBy: String(row.created_by),
    title: String(row.title),
    project: String(row.project),
    session: String(row.session),
    kind: String(row.kind),
    status: row.status === 'draft' ? 'draft' : 'published',
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    sizeBytes: Number(row.size_bytes),
  };
}

function toUser(row: Row): UserRecord {
  return {
    id: String(row.id),
    email: String(row.email),
    name: String(row.name),
    passwordHash: row.password_hash === null ? null : String(row.password_hash),
    createdAt: Number(row.created_at),
  };
}

function toMembership(row: Row): MembershipRecord {
  return {
    orgId: String(row.org_id),
    userId: String(row.user_id),
    role: String(row.role) as Role,
    createdAt: Number(row.created_at),
  };
}
