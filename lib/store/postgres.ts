/**
 * PostgreSQL backend: the same contract as SqliteStore (test/store/contract.test.ts
 * runs both), for deployments where several processes share one database.
 *
 * Schema differences from SQLite (lib/store/postgres-schema.ts; everything
 * else has the same table names, column names and meanings, so `loupe migrate`
 * copies table by table):
 * - Types: INTEGER columns are BIGINT (times are milliseconds), BLOB is BYTEA,
 *   0/1 flags (artifacts.legal_hold, versions.keyframe) stay integers; every
 *   TEXT column is COLLATE "C" so orderings and cursors compare bytes as SQLite does.
 * - docs gains `last_seq BIGINT NOT NULL DEFAULT 0`: the document's head, the
 *   highest seq ever assigned to it (a copy sets it to the greatest of
 *   snapshot_seq and the document's highest doc_updates.seq). `docs.snapshot` is
 *   nullable: a head row exists before any compaction (snapshot NULL, snapshot_seq 0).
 * - doc_updates.seq is per document (1, 2, 3… in commit order; primary key
 *   (doc_name, seq)), not SQLite's global AUTOINCREMENT. Copied SQLite seqs keep
 *   their values (increasing per document, with gaps): only order matters to readers.
 *   After copying docs and doc_updates, run POSTGRES_REBUILD_DOC_HEADS_SQL (postgres-schema.ts):
 *   it gives every document its head row and last_seq, so new appends number after the copied ones.
 * - audit_log's append-only guard is a plpgsql trigger function (audit_log_append_only).
 * - schema_migrations has PostgreSQL's own versions (1 = SQLite's 1–6).
 *
 * Concurrency:
 * - appendUpdates bumps each document's head row (INSERT … ON CONFLICT DO UPDATE
 *   … RETURNING last_seq, heads in sorted name order) and inserts the rows in the
 *   same statement: the head's row lock orders appends, so seqs are contiguous
 *   per document and a reader that has everything up to N never misses a later commit.
 * - compactDoc is one conditional upsert + delete: it never replaces a snapshot covering >= uptoSeq.
 * - appendAudit takes pg_advisory_xact_lock(hashtextextended('audit:'||org_id, 0)):
 *   one chain per organization whatever the number of processes.
 * - withLock holds a session advisory lock (hashtextextended(key, 0)) on a connection of a
 *   separate small pool (so lock holders waiting for a connection never starve the work they
 *   guard); tx.lock(key) an advisory transaction lock on 'tx:'+key, a key space of its own.
 * - deleteDoc and purgeArtifact remove the head row too: a document created again under the
 *   same name starts at seq 1 (names are artifact ids, never reused; rooms are evicted first).
 * - Every multi-statement method is one transaction; calls on a transaction's view
 *   run in order on its connection, each write in a savepoint so a failed one
 *   (a unique violation the caller handles) leaves the rest of the unit usable, as on SQLite.
 * Unreachable database: every method rejects with AppError 'storage_unavailable' (503);
 * pg.Pool reconnects by itself when the server is back.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
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
import { type Row, toBytes, nullableNumber, toVersion, toOrg, toToken, toInvitation, toArtifact, toUser, toMembership, toAudit } from './rows';
import { GENESIS_HASH, chainHash } from '../audit/chain';
import { POSTGRES_MIGRATIONS } from './postgres-schema';
import { PostgresReviewStore } from './postgres-review';
import { decodeCursor, encodeCursor } from './cursor';
import { AppError, storageUnavailable } from '../errors';

/** The lock connection the current async context holds (see lockedRun), so nested locks reuse it. */
const heldLockClient = new AsyncLocalStorage<{ client: pg.PoolClient; active: boolean }>();
/** Lock connections a nested lock found broken: released as broken by the outermost holder. */
const heldBroken = new WeakSet<pg.PoolClient>();


/** What runs SQL: the pool, or one checked-out client. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>>;
}

/**
 * How a call touches the database. 'read': one statement. 'write': one
 * statement that may fail (inside a transaction it gets a savepoint). 'atomic':
 * several statements that commit together (a transaction, or a savepoint inside one).
 */
export type RunMode = 'read' | 'write' | 'atomic';

/** The part of the store the review layer runs its SQL through. */
export interface PgRunner {
  runSql<T>(mode: RunMode, fn: (q: Queryable) => Promise<T>): Promise<T>;
}

interface Shared {
  statementTimeoutMs: number;
  reportUnavailable(error: unknown): void;
  pool: pg.Pool;
  lockPool: pg.Pool;
  ready(): Promise<void>;
  lockTails: Map<string, Promise<unknown>>;
  closed: boolean;
}

/** One open transaction: its connection and the queue its calls run in. */
interface TxContext {
  client: pg.PoolClient;
  queue: Promise<unknown>;
  savepoints: number;
  done: boolean;
}

const VERSION_COLUMNS = `artifact_id, n, kind, message, author_kind, author_id, author_name, created_at, session, commit_sha, pr_url,
  size_bytes, change_bytes, restored_from, content_hash`;

const ARTIFACT_COLUMNS = `artifacts.*, (SELECT string_agg(user_id, ' ') FROM artifact_members m WHERE m.artifact_id = artifacts.id) AS member_ids`;

/** The SQL form of policy.canSeeArtifact (the same as SQLite's). */
const VISIBLE_TO_VIEWER = `(
  (status = 'published' AND (visibility = 'org' OR created_by = @viewerId OR @viewerAdmin = 1
     OR EXISTS (SELECT 1 FROM artifact_members m WHERE m.artifact_id = artifacts.id AND m.user_id = @viewerId)))
  OR (status = 'draft' AND (created_by = @viewerId OR (@viewerAdmin = 1 AND publish_requested_at IS NOT NULL)))
)`;

const DEFAULT_POOL_MAX = 10;
const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

export interface PostgresStoreOptions {
  /** Connections for queries (default 10). withLock uses a pool of its own, half this size (at least 2). */
  poolMax?: number;
  /**
   * A call still unanswered after this long (default 30 s) is given up with
   * storage_unavailable and its connection dropped: a database cut off without a
   * reset (a dead network path) fails calls within this bound instead of hanging them.
   */
  statementTimeoutMs?: number;
  /**
   * Told when the database cannot be reached (a call failed for it, or an idle
   * connection died), at most once every 10 s: for the log. Calls fail with
   * storage_unavailable meanwhile; the pool reconnects on demand.
   */
  onUnavailable?: (error: unknown) => void;
}

export class PostgresStore implements Store, PgRunner {
  readonly kind = 'postgres' as const;
  readonly review: PostgresReviewStore;
  private readonly shared: Shared;
  private readonly tx: TxContext | null;

  constructor(url: string, options?: PostgresStoreOptions);
  /** @internal a transaction's view */
  constructor(shared: Shared, options: PostgresStoreOptions, tx: TxContext);
  constructor(source: string | Shared, options: PostgresStoreOptions = {}, tx: TxContext | null = null) {
    this.shared = typeof source === 'string' ? openShared(source, options) : source;
    this.tx = tx;
    this.review = new PostgresReviewStore(this);
  }

  /** Resolves once migrations have run (every call waits for it anyway); rejects while the database is unreachable. */
  async ready(): Promise<void> {
    try {
      await this.shared.ready();
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** @internal Runs SQL for this store or its review layer (see RunMode). */
  async runSql<T>(mode: RunMode, fn: (q: Queryable) => Promise<T>): Promise<T> {
    try {
      if (this.tx) return await this.inTransaction(this.tx, mode, fn);
      if (this.shared.closed) throw new Error('the store is closed');
      await this.shared.ready();
      const client = await this.shared.pool.connect();
      const stop = watchdog(client, this.shared.statementTimeoutMs);
      let broken: Error | undefined;
      try {
        if (mode !== 'atomic') return await fn(client as unknown as Queryable);
        await client.query('BEGIN');
        try {
          const result = await fn(client as unknown as Queryable);
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
          throw error;
        }
      } catch (error) {
        if (isConnectionError(error)) broken = error as Error;
        throw error;
      } finally {
        stop();
        client.release(broken);
      }
    } catch (error) {
      throw this.translate(error);
    }
  }

  private inTransaction<T>(tx: TxContext, mode: RunMode, fn: (q: Queryable) => Promise<T>): Promise<T> {
    const step = async (): Promise<T> => {
      if (tx.done) throw new Error('this transaction has ended: use the store, not its transaction view');
      const client = tx.client as unknown as Queryable;
      const stop = watchdog(tx.client, this.shared.statementTimeoutMs);
      try {
        if (mode === 'read') return await fn(client);
        const name = `s${++tx.savepoints}`;
        await client.query(`SAVEPOINT ${name}`);
        try {
          const result = await fn(client);
          await client.query(`RELEASE SAVEPOINT ${name}`);
          return result;
        } catch (error) {
          if (!isConnectionError(error)) await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
          throw error;
        }
      } finally {
        stop();
      }
    };
    // Calls on one transaction run one at a time, in call order: savepoints nest only in sequence.
    const result = tx.queue.then(step);
    tx.queue = result.catch(() => undefined);
    return result;
  }

  private read(sql: string, params: Record<string, unknown> | unknown[] = []): Promise<Row[]> {
    return this.runSql('read', async (q) => (await q.query(...bind(sql, params))).rows);
  }

  private write(sql: string, params: Record<string, unknown> | unknown[] = []): Promise<pg.QueryResult<Row>> {
    return this.runSql('write', (q) => q.query(...bind(sql, params)));
  }

  private async one(sql: string, params: Record<string, unknown> | unknown[] = []): Promise<Row | null> {
    return (await this.read(sql, params))[0] ?? null;
  }

  // Documents

  async loadDoc(docName: string): Promise<StoredDoc> {
    return this.readDoc(docName, -1);
  }

  async loadDocAfter(docName: string, afterSeq: number): Promise<StoredDoc> {
    return this.readDoc(docName, afterSeq);
  }

  /**
   * One statement (one consistent snapshot, so a compaction committing between
   * two reads can never hide updates): the head row, with the snapshot when it
   * covers more than afterSeq, then the updates after both.
   */
  private async readDoc(docName: string, afterSeq: number): Promise<StoredDoc> {
    const rows = await this.read(
      `SELECT 0 AS part, snapshot_seq AS seq, CASE WHEN snapshot_seq > $2 THEN snapshot END AS data FROM docs WHERE name = $1
       UNION ALL
       SELECT 1, seq, data FROM doc_updates
        WHERE doc_name = $1 AND seq > GREATEST($2, COALESCE((SELECT snapshot_seq FROM docs WHERE name = $1), 0))
       ORDER BY 1, 2`,
      [docName, afterSeq],
    );
    let snapshot: Uint8Array | null = null;
    let snapshotSeq = 0;
    const updates: Uint8Array[] = [];
    let lastUpdateSeq = 0;
    for (const row of rows) {
      if (Number(row.part) === 0) {
        snapshotSeq = Number(row.seq);
        snapshot = row.data ? toBytes(row.data as Buffer) : null;
      } else {
        updates.push(toBytes(row.data as Buffer));
        lastUpdateSeq = Number(row.seq);
      }
    }
    if (afterSeq < 0 || snapshot) {
      return { snapshot, snapshotSeq, updates, lastSeq: updates.length > 0 ? lastUpdateSeq : snapshotSeq };
    }
    return { snapshot: null, snapshotSeq, updates, lastSeq: updates.length > 0 ? lastUpdateSeq : Math.max(afterSeq, snapshotSeq) };
  }

  async latestSeq(docName: string): Promise<number> {
    const row = await this.one('SELECT last_seq FROM docs WHERE name = $1', [docName]);
    return row ? Number(row.last_seq) : 0;
  }

  async appendUpdates(entries: UpdateEntry[], touch?: ArtifactTouch): Promise<number[]> {
    if (entries.length === 0) return [];
    const byDoc = new Map<string, number[]>();
    entries.forEach((entry, index) => {
      const list = byDoc.get(entry.docName);
      if (list) list.push(index);
      else byDoc.set(entry.docName, [index]);
    });
    // Heads are locked in one order everywhere, so two appends to the same documents never deadlock.
    const names = [...byDoc.keys()].sort();
    const counts = names.map((name) => byDoc.get(name)!.length);
    const rowNames: string[] = [];
    const rowOffsets: number[] = [];
    const rowData: Buffer[] = [];
    for (const [n, name] of names.entries()) {
      byDoc.get(name)!.forEach((index, k) => {
        rowNames.push(name);
        rowOffsets.push(counts[n] - k - 1);
        rowData.push(toBuffer(entries[index].data));
      });
    }
    const result = await this.write(
      `WITH heads AS (
         INSERT INTO docs (name, snapshot, snapshot_seq, last_seq)
         SELECT name, NULL, 0, n FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS i(name, n, ord) ORDER BY ord
         ON CONFLICT (name) DO UPDATE SET last_seq = docs.last_seq + excluded.last_seq
         RETURNING name, last_seq
       ), inserted AS (
         INSERT INTO doc_updates (seq, doc_name, data)
         SELECT h.last_seq - u.back, u.name, u.data
         FROM unnest($3::text[], $4::bigint[], $5::bytea[]) AS u(name, back, data) JOIN heads h ON h.name = u.name
       ), touched AS (
         -- The artifact's bookkeeping commits with the append (no row when there is no touch: id NULL).
         UPDATE artifacts SET updated_at = $7, size_bytes = coalesce($8, size_bytes) WHERE id = $6
       )
       SELECT name, last_seq FROM heads`,
      [names, counts, rowNames, rowOffsets, rowData, touch?.artifactId ?? null, touch?.updatedAt ?? null, touch?.sizeBytes ?? null],
    );
    const heads = new Map(result.rows.map((row) => [String(row.name), Number(row.last_seq)]));
    const seqs = new Array<number>(entries.length);
    for (const [n, name] of names.entries()) {
      const last = heads.get(name)!;
      byDoc.get(name)!.forEach((index, k) => (seqs[index] = last - counts[n] + k + 1));
    }
    return seqs;
  }

  async compactDoc(docName: string, snapshot: Uint8Array, uptoSeq: number): Promise<void> {
    // The upsert's WHERE is the fence: a compaction built from an older read never replaces a newer snapshot.
    await this.write(
      `WITH up AS (
         INSERT INTO docs (name, snapshot, snapshot_seq, last_seq) VALUES ($1, $2, $3, $3)
         ON CONFLICT (name) DO UPDATE SET snapshot = excluded.snapshot, snapshot_seq = excluded.snapshot_seq,
           last_seq = GREATEST(docs.last_seq, excluded.snapshot_seq)
         WHERE docs.snapshot_seq < excluded.snapshot_seq
         RETURNING name
       )
       DELETE FROM doc_updates WHERE doc_name = $1 AND seq <= $3 AND EXISTS (SELECT 1 FROM up)`,
      [docName, toBuffer(snapshot), uptoSeq],
    );
  }

  async deleteDoc(docName: string): Promise<void> {
    await this.write('WITH gone AS (DELETE FROM docs WHERE name = $1) DELETE FROM doc_updates WHERE doc_name = $1', [docName]);
  }

  // Artifacts

  async createArtifact(input: NewArtifact): Promise<ArtifactRecord> {
    const members = input.members ?? [];
    await this.runSql('atomic', async (q) => {
      await q.query(
        ...bind(
          `INSERT INTO artifacts (id, org_id, created_by, title, project, session, kind, status, created_at, updated_at, size_bytes,
             visibility, published_at, published_by)
           VALUES (@id, @orgId, @createdBy, @title, @project, @session, @kind, @status, @createdAt, @createdAt, 0,
             @visibility, @publishedAt, @publishedBy)`,
          { ...input, publishedAt: input.publishedAt ?? null, publishedBy: input.publishedBy ?? null },
        ),
      );
      await insertMembers(q, input.id, members);
    });
    return (await this.getArtifact(input.id))!;
  }

  async getArtifact(id: string): Promise<ArtifactRecord | null> {
    const row = await this.one(`SELECT ${ARTIFACT_COLUMNS} FROM artifacts WHERE id = $1`, [id]);
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
      where.push("title ILIKE @q ESCAPE '\\'");
      params.q = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    }
    const cursor = query.cursor ? decodeCursor(query.cursor) : null;
    if (cursor) {
      where.push('(updated_at < @cUpdated OR (updated_at = @cUpdated AND id < @cId))');
      params.cUpdated = cursor.updatedAt;
      params.cId = cursor.id;
    }
    const rows = await this.read(
      `SELECT ${ARTIFACT_COLUMNS} FROM artifacts WHERE ${where.join(' AND ')} ORDER BY updated_at DESC, id DESC LIMIT @limit`,
      params,
    );
    const items = rows.slice(0, query.limit).map(toArtifact);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last.updatedAt, last.id) : null };
  }

  async touchArtifact(id: string, patch: { updatedAt: number; sizeBytes?: number; title?: string }): Promise<void> {
    const sets = ['updated_at = @updatedAt'];
    if (patch.sizeBytes !== undefined) sets.push('size_bytes = @sizeBytes');
    if (patch.title !== undefined) sets.push('title = @title');
    await this.write(`UPDATE artifacts SET ${sets.join(', ')} WHERE id = @id`, { id, ...patch });
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
    if (sets.length > 0 || patch.members) {
      await this.runSql('atomic', async (q) => {
        if (sets.length > 0) await q.query(...bind(`UPDATE artifacts SET ${sets.join(', ')} WHERE id = @id`, params));
        if (patch.members) {
          await q.query('DELETE FROM artifact_members WHERE artifact_id = $1', [id]);
          // Only for an artifact that exists (the foreign key would fail where SQLite's update is a no-op).
          const exists = await q.query('SELECT 1 FROM artifacts WHERE id = $1', [id]);
          if (exists.rows.length > 0) await insertMembers(q, id, [...new Set(patch.members)]);
        }
      });
    }
    return this.getArtifact(id);
  }

  async listExpiredArtifacts(orgId: string, before: number, limit: number): Promise<ArtifactRecord[]> {
    const rows = await this.read(
      `SELECT ${ARTIFACT_COLUMNS} FROM artifacts WHERE org_id = $1 AND legal_hold = 0 AND updated_at < $2 ORDER BY updated_at, id LIMIT $3`,
      [orgId, before, limit],
    );
    return rows.map(toArtifact);
  }

  async purgeArtifact(id: string, docNames: string[]): Promise<void> {
    await this.runSql('atomic', async (q) => {
      if (docNames.length > 0) {
        await q.query('DELETE FROM doc_updates WHERE doc_name = ANY($1::text[])', [docNames]);
        await q.query('DELETE FROM docs WHERE name = ANY($1::text[])', [docNames]);
      }
      await q.query('DELETE FROM versions WHERE artifact_id = $1', [id]);
      await q.query('DELETE FROM version_seen WHERE artifact_id = $1', [id]);
      await PostgresReviewStore.purgeWith(q, id);
      await q.query('DELETE FROM artifact_members WHERE artifact_id = $1', [id]);
      await q.query('DELETE FROM artifacts WHERE id = $1', [id]);
    });
  }

  // Versions

  async appendVersion(version: StoredVersion): Promise<void> {
    await this.write(
      `INSERT INTO versions (artifact_id, n, kind, message, author_kind, author_id, author_name, created_at, session, commit_sha,
         pr_url, size_bytes, change_bytes, restored_from, content_hash, keyframe, data)
       VALUES (@artifactId, @n, @kind, @message, @authorKind, @authorId, @authorName, @createdAt, @session, @commitSha,
         @prUrl, @sizeBytes, @changeBytes, @restoredFrom, @contentHash, @keyframe, @data)`,
      { ...version, keyframe: version.keyframe ? 1 : 0, data: toBuffer(version.data) },
    );
  }

  async listVersions(artifactId: string, options: { namedOnly?: boolean } = {}): Promise<VersionRecord[]> {
    const named = options.namedOnly ? "AND kind != 'auto'" : '';
    const rows = await this.read(`SELECT ${VERSION_COLUMNS} FROM versions WHERE artifact_id = $1 ${named} ORDER BY n DESC`, [artifactId]);
    return rows.map(toVersion);
  }

  async getVersion(artifactId: string, n: number): Promise<VersionRecord | null> {
    const row = await this.one(`SELECT ${VERSION_COLUMNS} FROM versions WHERE artifact_id = $1 AND n = $2`, [artifactId, n]);
    return row ? toVersion(row) : null;
  }

  async latestVersion(artifactId: string) {
    const row = await this.one(
      `SELECT ${VERSION_COLUMNS},
         (SELECT COUNT(*) FROM versions d WHERE d.artifact_id = $1 AND d.keyframe = 0
            AND d.n > (SELECT COALESCE(MAX(n), 0) FROM versions k WHERE k.artifact_id = $1 AND k.keyframe = 1)) AS chain_deltas,
         (SELECT COALESCE(SUM(octet_length(d.data)), 0) FROM versions d WHERE d.artifact_id = $1 AND d.keyframe = 0
            AND d.n > (SELECT COALESCE(MAX(n), 0) FROM versions k WHERE k.artifact_id = $1 AND k.keyframe = 1)) AS chain_bytes
       FROM versions WHERE artifact_id = $1 ORDER BY n DESC LIMIT 1`,
      [artifactId],
    );
    if (!row) return null;
    return { ...toVersion(row), deltaBytesSinceKeyframe: Number(row.chain_bytes), deltasSinceKeyframe: Number(row.chain_deltas) };
  }

  async readVersionChain(artifactId: string, n: number): Promise<VersionChain | null> {
    // One statement: the keyframe and its deltas from one snapshot, even while pruneVersions rewrites the chain.
    const rows = await this.read(
      `WITH target AS (SELECT n FROM versions WHERE artifact_id = $1 AND n = $2),
            key AS (SELECT n, data FROM versions WHERE artifact_id = $1 AND keyframe = 1 AND n <= $2 ORDER BY n DESC LIMIT 1)
       SELECT 0 AS part, n, NULL::bytea AS data FROM target
       UNION ALL SELECT 1, n, data FROM key
       UNION ALL SELECT 2, v.n, v.data FROM versions v, key
         WHERE v.artifact_id = $1 AND v.n > key.n AND v.n <= $2
       ORDER BY 1, 2`,
      [artifactId, n],
    );
    if (!rows.some((row) => Number(row.part) === 0)) return null;
    const key = rows.find((row) => Number(row.part) === 1);
    if (!key) throw new Error(`version ${n} of ${artifactId} has no keyframe below it`);
    return {
      keyframe: toBytes(key.data as Buffer),
      deltas: rows.filter((row) => Number(row.part) === 2).map((row) => toBytes(row.data as Buffer)),
    };
  }

  async listArtifactsWithVersionsBefore(orgId: string, before: number, limit: number): Promise<ArtifactRecord[]> {
    const rows = await this.read(
      `SELECT ${ARTIFACT_COLUMNS} FROM artifacts WHERE org_id = $1 AND legal_hold = 0 AND EXISTS (
         SELECT 1 FROM versions v WHERE v.artifact_id = artifacts.id AND v.created_at < $2
           AND v.n < (SELECT MAX(n) FROM versions w WHERE w.artifact_id = artifacts.id))
       LIMIT $3`,
      [orgId, before, limit],
    );
    return rows.map(toArtifact);
  }

  async getSeenVersion(artifactId: string, userId: string): Promise<number | null> {
    const row = await this.one('SELECT n FROM version_seen WHERE artifact_id = $1 AND user_id = $2', [artifactId, userId]);
    return row ? Number(row.n) : null;
  }

  async markSeenVersion(artifactId: string, userId: string, n: number, at: number): Promise<void> {
    await this.write(
      `INSERT INTO version_seen (artifact_id, user_id, n, seen_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (artifact_id, user_id) DO UPDATE SET n = GREATEST(version_seen.n, excluded.n), seen_at = excluded.seen_at`,
      [artifactId, userId, n, at],
    );
  }

  async pruneVersions(artifactId: string, keepFrom: number, keyframe: Uint8Array): Promise<number> {
    return this.runSql('atomic', async (q) => {
      await q.query('UPDATE versions SET keyframe = 1, data = $1 WHERE artifact_id = $2 AND n = $3', [toBuffer(keyframe), artifactId, keepFrom]);
      return (await q.query('DELETE FROM versions WHERE artifact_id = $1 AND n < $2', [artifactId, keepFrom])).rowCount ?? 0;
    });
  }

  // Identity

  async createOrg(org: NewOrg): Promise<void> {
    await this.write(
      `INSERT INTO orgs (id, name, created_at, default_visibility, publish_role, retention_days, required_approvals)
       VALUES (@id, @name, @createdAt, @defaultVisibility, @publishRole, @retentionDays, @requiredApprovals)`,
      { ...DEFAULT_ORG_SETTINGS, ...org.settings, id: org.id, name: org.name, createdAt: org.createdAt },
    );
  }

  async getOrg(id: string): Promise<OrgRecord | null> {
    const row = await this.one('SELECT * FROM orgs WHERE id = $1', [id]);
    return row ? toOrg(row) : null;
  }

  async listOrgs(): Promise<OrgRecord[]> {
    return (await this.read('SELECT * FROM orgs ORDER BY created_at, id')).map(toOrg);
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
    if (sets.length > 0) await this.write(`UPDATE orgs SET ${sets.join(', ')} WHERE id = @id`, params);
    return this.getOrg(id);
  }

  async createUser(user: UserRecord): Promise<void> {
    await this.write(
      'INSERT INTO users (id, email, name, password_hash, created_at) VALUES (@id, @email, @name, @passwordHash, @createdAt)',
      { ...user },
    );
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const row = await this.one('SELECT * FROM users WHERE id = $1', [id]);
    return row ? toUser(row) : null;
  }

  async getUserByEmail(email: string): Promise<UserRecord | null> {
    const row = await this.one('SELECT * FROM users WHERE email = $1', [email.toLowerCase()]);
    return row ? toUser(row) : null;
  }

  async updateUser(id: string, patch: { name?: string; passwordHash?: string }): Promise<void> {
    const sets: string[] = [];
    if (patch.name !== undefined) sets.push('name = @name');
    if (patch.passwordHash !== undefined) sets.push('password_hash = @passwordHash');
    if (sets.length > 0) await this.write(`UPDATE users SET ${sets.join(', ')} WHERE id = @id`, { id, ...patch });
  }

  async countUsers(): Promise<number> {
    return Number((await this.one('SELECT COUNT(*) AS n FROM users'))!.n);
  }

  async putMembership(m: MembershipRecord): Promise<void> {
    await this.write(
      `INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role`,
      [m.orgId, m.userId, m.role, m.createdAt],
    );
  }

  async getMembership(orgId: string, userId: string): Promise<MembershipRecord | null> {
    const row = await this.one('SELECT * FROM memberships WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
    return row ? toMembership(row) : null;
  }

  async listMembershipsOfUser(userId: string): Promise<MembershipRecord[]> {
    return (await this.read('SELECT * FROM memberships WHERE user_id = $1 ORDER BY created_at, org_id', [userId])).map(toMembership);
  }

  async listMembersOfOrg(orgId: string): Promise<Array<MembershipRecord & { user: UserRecord }>> {
    const rows = await this.read(
      `SELECT m.*, u.id AS u_id, u.email AS u_email, u.name AS u_name, u.created_at AS u_created_at
       FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY u.name, u.id`,
      [orgId],
    );
    return rows.map((row) => ({
      ...toMembership(row),
      user: { id: String(row.u_id), email: String(row.u_email), name: String(row.u_name), passwordHash: null, createdAt: Number(row.u_created_at) },
    }));
  }

  async deleteMembership(orgId: string, userId: string): Promise<boolean> {
    return ((await this.write('DELETE FROM memberships WHERE org_id = $1 AND user_id = $2', [orgId, userId])).rowCount ?? 0) > 0;
  }

  async createSession(session: SessionRecord): Promise<void> {
    await this.write('INSERT INTO sessions (id, user_id, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5)', [
      session.id,
      session.userId,
      session.createdAt,
      session.expiresAt,
      session.revokedAt,
    ]);
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    const row = await this.one('SELECT * FROM sessions WHERE id = $1', [id]);
    if (!row) return null;
    return {
      id: String(row.id),
      userId: String(row.user_id),
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
      revokedAt: nullableNumber(row.revoked_at),
    };
  }

  async revokeSession(id: string, at: number): Promise<void> {
    await this.write('UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id]);
  }

  async revokeSessionsOfUser(userId: string, at: number, exceptSessionId?: string): Promise<string[]> {
    const result = await this.write(
      'UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND id IS DISTINCT FROM $3 RETURNING id',
      [at, userId, exceptSessionId ?? null],
    );
    return result.rows.map((row) => String(row.id));
  }

  async createAgentToken(token: AgentTokenRecord): Promise<void> {
    await this.write(
      `INSERT INTO agent_tokens (id, org_id, user_id, name, token_hash, scopes, created_at, expires_at, last_used_at, revoked_at)
       VALUES (@id, @orgId, @userId, @name, @tokenHash, @scopes, @createdAt, @expiresAt, @lastUsedAt, @revokedAt)`,
      { ...token, scopes: token.scopes.join(' ') },
    );
  }

  async getAgentTokenByHash(tokenHash: string): Promise<AgentTokenRecord | null> {
    const row = await this.one('SELECT * FROM agent_tokens WHERE token_hash = $1', [tokenHash]);
    return row ? toToken(row) : null;
  }

  async getAgentToken(id: string): Promise<AgentTokenRecord | null> {
    const row = await this.one('SELECT * FROM agent_tokens WHERE id = $1', [id]);
    return row ? toToken(row) : null;
  }

  async listAgentTokens(query: TokenQuery): Promise<AgentTokenRecord[]> {
    const rows = query.userId
      ? await this.read('SELECT * FROM agent_tokens WHERE org_id = $1 AND user_id = $2 ORDER BY created_at DESC, id', [query.orgId, query.userId])
      : await this.read('SELECT * FROM agent_tokens WHERE org_id = $1 ORDER BY created_at DESC, id', [query.orgId]);
    return rows.map(toToken);
  }

  async touchAgentToken(id: string, at: number): Promise<void> {
    await this.write('UPDATE agent_tokens SET last_used_at = $1 WHERE id = $2', [at, id]);
  }

  async revokeAgentToken(id: string, at: number): Promise<boolean> {
    return ((await this.write('UPDATE agent_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id])).rowCount ?? 0) > 0;
  }

  async revokeAgentTokensOf(orgId: string, userId: string, at: number): Promise<string[]> {
    const result = await this.write(
      'UPDATE agent_tokens SET revoked_at = $1 WHERE org_id = $2 AND user_id = $3 AND revoked_at IS NULL RETURNING id',
      [at, orgId, userId],
    );
    return result.rows.map((row) => String(row.id));
  }

  // Invitations

  async createInvitation(invitation: InvitationRecord): Promise<void> {
    await this.write(
      `INSERT INTO invitations (id, org_id, secret_hash, email, role, created_by, created_at, expires_at, accepted_at, accepted_by, revoked_at)
       VALUES (@id, @orgId, @secretHash, @email, @role, @createdBy, @createdAt, @expiresAt, @acceptedAt, @acceptedBy, @revokedAt)`,
      { ...invitation },
    );
  }

  async getInvitation(id: string): Promise<InvitationRecord | null> {
    const row = await this.one('SELECT * FROM invitations WHERE id = $1', [id]);
    return row ? toInvitation(row) : null;
  }

  async getInvitationBySecretHash(secretHash: string): Promise<InvitationRecord | null> {
    const row = await this.one('SELECT * FROM invitations WHERE secret_hash = $1', [secretHash]);
    return row ? toInvitation(row) : null;
  }

  async listPendingInvitations(orgId: string, now: number): Promise<InvitationRecord[]> {
    const rows = await this.read(
      `SELECT * FROM invitations WHERE org_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2
       ORDER BY created_at DESC, id`,
      [orgId, now],
    );
    return rows.map(toInvitation);
  }

  async revokeInvitation(id: string, at: number): Promise<boolean> {
    const result = await this.write('UPDATE invitations SET revoked_at = $1 WHERE id = $2 AND accepted_at IS NULL AND revoked_at IS NULL', [at, id]);
    return (result.rowCount ?? 0) > 0;
  }

  async acceptInvitation(id: string, userId: string, at: number): Promise<boolean> {
    return this.runSql('atomic', async (q) => {
      const used = await q.query(
        `UPDATE invitations SET accepted_at = $3, accepted_by = $2
         WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3 RETURNING org_id, role`,
        [id, userId, at],
      );
      const invitation = used.rows[0];
      if (!invitation) return false;
      // Joining never lowers a role someone already has.
      await q.query(
        'INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, user_id) DO NOTHING',
        [invitation.org_id, userId, invitation.role, at],
      );
      return true;
    });
  }

  // Audit

  async appendAudit(entry: NewAuditEntry): Promise<AuditRecord> {
    return this.runSql('atomic', async (q) => {
      // Held until the transaction ends (the caller's, when inside one): one writer per chain at a time, on every process.
      await q.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`audit:${entry.orgId}`]);
      const head = (await q.query('SELECT seq, hash FROM audit_log WHERE org_id = $1 ORDER BY seq DESC LIMIT 1', [entry.orgId])).rows[0];
      const seq = head ? Number(head.seq) + 1 : 1;
      const prevHash = head ? String(head.hash) : GENESIS_HASH;
      const record: AuditRecord = { ...entry, seq, prevHash, hash: chainHash(prevHash, { ...entry, seq }) };
      await q.query(
        ...bind(
          `INSERT INTO audit_log (org_id, seq, at, action, actor_kind, actor_id, actor_name, artifact_id, target_type, target_id,
             target_label, details, ip, user_agent, prev_hash, hash)
           VALUES (@orgId, @seq, @at, @action, @actorKind, @actorId, @actorName, @artifactId, @targetType, @targetId,
             @targetLabel, @details, @ip, @userAgent, @prevHash, @hash)`,
          { ...record, details: JSON.stringify(record.details) },
        ),
      );
      return record;
    });
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
    const rows = await this.read(`SELECT * FROM audit_log WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT @limit`, params);
    return rows.map(toAudit);
  }

  async readAuditChain(orgId: string, afterSeq: number, limit: number): Promise<AuditRecord[]> {
    const rows = await this.read('SELECT * FROM audit_log WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3', [orgId, afterSeq, limit]);
    return rows.map(toAudit);
  }

  // Settings

  async getSetting(key: string): Promise<string | null> {
    const row = await this.one('SELECT value FROM settings WHERE key = $1', [key]);
    return row ? String(row.value) : null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.write('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  async deleteSetting(key: string): Promise<boolean> {
    await this.write('DELETE FROM settings WHERE key = $1', [key]);
    // Inside a transaction the row's old version stays until after commit (VACUUM cannot run there).
    if (this.tx) return false;
    // VACUUM removes the dead row version now (unless an older snapshot still sees it); the WAL is recycled by the server.
    try {
      await this.runSql('read', (q) => q.query('VACUUM settings'));
      return true;
    } catch (error) {
      if (error instanceof AppError) throw error;
      return false;
    }
  }

  // Coordination

  async acquireLease(name: string, holder: string, ttlMs: number, now: number): Promise<number | null> {
    const result = await this.write(
      `INSERT INTO leases (name, holder, expires_at, token) VALUES ($1, $2, $3, 1)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
         token = CASE WHEN leases.holder = excluded.holder THEN leases.token ELSE leases.token + 1 END
       WHERE leases.holder = excluded.holder OR leases.expires_at <= $4
       RETURNING token`,
      [name, holder, now + ttlMs, now],
    );
    return result.rows[0] ? Number(result.rows[0].token) : null;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.write('UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2', [name, holder]);
  }

  async withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const shared = this.shared;
    // One waiter per key per process on the database; the others queue here, holding no connection.
    const before = shared.lockTails.get(key) ?? Promise.resolve();
    const run = before.then(
      () => this.lockedRun(key, work),
      () => this.lockedRun(key, work),
    );
    const tail = run.catch(() => undefined);
    shared.lockTails.set(key, tail);
    try {
      return await run;
    } finally {
      if (shared.lockTails.get(key) === tail) shared.lockTails.delete(key);
    }
  }

  private async lockedRun<T>(key: string, work: () => Promise<T>): Promise<T> {
    // A lock taken while holding another (a version cut refreshing the review summary) takes it on the
    // connection already held: waiting for a second connection while holding the first is how a burst of
    // such work empties the pool and every holder waits for a connection none will give back.
    // Work started inside a lock but outliving it (a flush scheduled there) inherits the context: only a
    // connection still held may be reused.
    const held = heldLockClient.getStore();
    if (held?.active) return this.lockOn(held.client, key, work, null);
    let client: pg.PoolClient;
    try {
      await this.shared.ready();
      client = await this.shared.lockPool.connect();
    } catch (error) {
      throw this.translate(error);
    }
    const holding = { client, active: true };
    return heldLockClient.run(holding, () => this.lockOn(client, key, work, holding));
  }

  /** `owner`: this call took the connection and gives it back (null: a nested lock on a connection held above). */
  private async lockOn<T>(client: pg.PoolClient, key: string, work: () => Promise<T>, owner: { active: boolean } | null): Promise<T> {
    let broken: Error | boolean | undefined;
    try {
      try {
        await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
      } catch (error) {
        broken = true;
        throw this.translate(error);
      }
      try {
        return await work();
      } finally {
        // A connection that fails here is destroyed: its session ends and the server drops the lock with it.
        await timed(client, this.shared.statementTimeoutMs, () =>
          client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]),
        ).catch(() => (broken = true));
      }
    } finally {
      if (owner) {
        owner.active = false;
        client.release(broken || heldBroken.has(client));
      }
      // A nested lock's connection broke: its owner releases it as broken too (the session, and its locks, end).
      else if (broken) heldBroken.add(client);
    }
  }

  async transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    if (this.tx) throw new Error('transactions do not nest');
    let client: pg.PoolClient;
    try {
      if (this.shared.closed) throw new Error('the store is closed');
      await this.shared.ready();
      client = await this.shared.pool.connect();
    } catch (error) {
      throw this.translate(error);
    }
    const tx: TxContext = { client, queue: Promise.resolve(), savepoints: 0, done: false };
    let broken: Error | undefined;
    try {
      await timed(client, this.shared.statementTimeoutMs, () => client.query('BEGIN'));
      const view = new PostgresStore(this.shared, {}, tx) as PostgresStore & StoreTransaction;
      // Its own key space ('tx:'), apart from withLock's: as on SQLite, a unit opened inside withLock(k) may lock k without waiting on itself.
      view.lock = (key: string) =>
        view.runSql('read', async (q) => {
          await q.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`tx:${key}`]);
        });
      let result: T;
      try {
        result = await work(view);
        await tx.queue;
      } catch (error) {
        await tx.queue;
        tx.done = true;
        await timed(client, this.shared.statementTimeoutMs, () => client.query('ROLLBACK')).catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      }
      tx.done = true;
      await timed(client, this.shared.statementTimeoutMs, () => client.query('COMMIT'));
      return result;
    } catch (error) {
      tx.done = true;
      if (isConnectionError(error)) broken = error as Error;
      throw this.translate(error);
    } finally {
      client.release(broken);
    }
  }

  private translate(error: unknown): unknown {
    if (!(error instanceof AppError) && isConnectionError(error)) this.shared.reportUnavailable(error);
    return translate(error);
  }

  async close(): Promise<void> {
    if (this.tx || this.shared.closed) return;
    this.shared.closed = true;
    await Promise.all([this.shared.pool.end(), this.shared.lockPool.end()]);
  }
}

function openShared(url: string, options: PostgresStoreOptions): Shared {
  // int8 (COUNT, BIGINT columns) and numeric (SUM) arrive as strings by default; every value here fits a JS number.
  // Set on this store's own pools only, never on pg's global types.
  const types = new pg.TypeOverrides();
  types.setTypeParser(20, (value: string) => Number(value));
  types.setTypeParser(1700, (value: string) => Number(value));
  const max = options.poolMax ?? DEFAULT_POOL_MAX;
  let reportedAt = -Infinity;
  const reportUnavailable = (error: unknown) => {
    if (!options.onUnavailable || Date.now() - reportedAt < 10_000) return;
    reportedAt = Date.now();
    options.onUnavailable(error);
  };
  const common = { connectionString: url, types, keepAlive: true, keepAliveInitialDelayMillis: 10_000, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 };
  const pool = new pg.Pool({ ...common, max, application_name: 'loupe' });
  const lockPool = new pg.Pool({ ...common, max: Math.max(2, Math.floor(max / 2)), application_name: 'loupe-locks' });
  for (const p of [pool, lockPool]) {
    // An idle connection that dies (server restart) is an event, not a crash: the pool drops it.
    p.on('error', reportUnavailable);
    // So is one that dies while checked out between two queries (a unit's, or a held lock's): its next query fails instead.
    p.on('connect', (client) => client.on('error', () => {}));
  }
  let migrated: Promise<void> | null = null;
  const ready = () => {
    if (!migrated) {
      const attempt = migrate(pool);
      migrated = attempt;
      // A failed attempt (database unreachable at start) is retried by the next call.
      attempt.catch(() => {
        if (migrated === attempt) migrated = null;
      });
    }
    return migrated;
  };
  ready().catch(() => {});
  return { pool, lockPool, ready, lockTails: new Map(), closed: false, reportUnavailable, statementTimeoutMs: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS };
}

/**
 * Drops the connection if the work on it outlives `ms`: its pending queries
 * then fail as a lost connection does (storage_unavailable) and the pool
 * replaces it. Returns the function that calls the watch off.
 */
function watchdog(client: pg.PoolClient, ms: number): () => void {
  const timer = setTimeout(() => {
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

async function timed<T>(client: pg.PoolClient, ms: number, work: () => Promise<T>): Promise<T> {
  const stop = watchdog(client, ms);
  try {
    return await work();
  } finally {
    stop();
  }
}

/** Applies missing migrations under a session advisory lock: instances starting together run them once. */
async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', ['loupe:migrations']);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)');
      const applied = new Set((await client.query('SELECT version FROM schema_migrations')).rows.map((row: Row) => Number(row.version)));
      for (const [index, sql] of POSTGRES_MIGRATIONS.entries()) {
        const version = index + 1;
        if (applied.has(version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(sql);
          await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version, Date.now()]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', ['loupe:migrations']).catch((error: Error) => (broken = error));
    }
  } catch (error) {
    if (isConnectionError(error)) broken = error as Error;
    throw error;
  } finally {
    client.release(broken);
  }
}

const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** The database is unreachable or went away (as opposed to a statement that failed on its own). */
export function isConnectionError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (CONNECTION_ERRNOS.has(code)) return true;
    // 08: connection exception; 57P01–57P05: admin/crash shutdown, cannot connect now, idle timeouts; 53300: too many connections.
    if (/^08/.test(code) || /^57P0[1-5]$/.test(code) || code === '53300') return true;
  }
  const message = (error as { message?: unknown }).message;
  return (
    typeof message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|not queryable|Client was closed/i.test(
      message,
    )
  );
}

function translate(error: unknown): unknown {
  if (error instanceof AppError) return error;
  if (isConnectionError(error)) return storageUnavailable(error);
  return error;
}

/** Rewrites @name placeholders (as the SQLite statements use) into $n with their values. */
function bind(sql: string, params: Record<string, unknown> | unknown[]): [string, unknown[]] {
  if (Array.isArray(params)) return [sql, params.map(toParam)];
  const order: string[] = [];
  const text = sql.replace(/@(\w+)/g, (_match, name: string) => {
    let index = order.indexOf(name);
    if (index < 0) index = order.push(name) - 1;
    return `$${index + 1}`;
  });
  return [
    text,
    order.map((name) => {
      if (!(name in params)) throw new Error(`missing SQL parameter @${name}`);
      return toParam(params[name]);
    }),
  ];
}

function toParam(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return toBuffer(value);
  return value;
}

async function insertMembers(q: Queryable, artifactId: string, members: string[]): Promise<void> {
  if (members.length === 0) return;
  await q.query(
    'INSERT INTO artifact_members (artifact_id, user_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING',
    [artifactId, members],
  );
}

export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
