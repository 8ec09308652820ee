import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../lib/store/sqlite';

/**
 * The tables of the embedded install, in the order they are copied (a row's
 * references come before it). `loupe migrate` refuses a SQLite file holding a
 * table not listed here: a table it does not know how to copy would be lost.
 */
export const COPIED_TABLES: readonly string[] = [
  'orgs',
  'users',
  'memberships',
  'sessions',
  'agent_tokens',
  'artifacts',
  'artifact_members',
  'invitations',
  'docs',
  'doc_updates',
  'versions',
  'version_seen',
  'audit_log',
  'settings',
  'leases',
  'review_threads',
  'review_comments',
  'review_comment_revisions',
  'review_reactions',
  'reviews',
  'notifications',
];

/** Tables that are not data: each database keeps its own migration history; sqlite_* are SQLite's bookkeeping. */
const NOT_COPIED = new Set(['schema_migrations']);

/**
 * A setting older versions kept the signing key in (server/auth/signing-keys.ts). It never goes into
 * PostgreSQL: the key joins the carried key ring instead (secrets live outside the database).
 */
export const LEGACY_SECRET_SETTING = 'auth_secret';

export class RefusedError extends Error {}

export interface SqliteSource {
  path: string;
  /** The connection, locked exclusively until `close`. */
  db: Database.Database;
  /** The same connection through the Store interface (what the server reads through). */
  store: SqliteStore;
  close(): Promise<void>;
}

/**
 * Opens the embedded install's file with an exclusive lock, held until close.
 *
 * Why a lock and not a pid file: a running Loupe keeps the file open for its
 * whole life, and in WAL mode every open connection holds a shared lock on
 * it, which the kernel drops when the process exits (even on SIGKILL). So an
 * exclusive lock is granted exactly when no process has the database open —
 * no stale pid file after a crash, and any other program holding it open (a
 * second server, `sqlite3`) is caught too. Holding the lock for the whole
 * migration also keeps a server that is started meanwhile from opening the
 * file (its start fails with "database is locked") and writing what the copy
 * would miss.
 */
export function openSqliteSource(path: string): SqliteSource {
  if (!existsSync(path)) throw new RefusedError(`${path} does not exist: nothing to migrate (pass --from or --data-dir to name the embedded install's database).`);
  const db = new Database(path, { fileMustExist: true, timeout: 1000 });
  try {
    // Before the first access: in WAL mode this makes SQLite take the file's lock exclusively and keep it.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
      throw new RefusedError(
        `${path} is open in another process: a Loupe server is running on it (or another program has it open). Stop the server, then run loupe migrate again.`,
      );
    }
    throw error;
  }
  // Brings an older install's schema up to date, as the server's next start would.
  const store = new SqliteStore(db);
  // Read once, start to end: mapping the file would only make the whole database count as this process's memory.
  db.pragma('mmap_size = 0');
  return {
    path,
    db,
    store,
    close: async () => {
      await store.close();
    },
  };
}

/** The data tables of the file; throws if it holds one `loupe migrate` does not know how to copy. */
export function sourceTables(db: Database.Database): string[] {
  const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>)
    .map((row) => row.name)
    .filter((name) => !name.startsWith('sqlite_') && !NOT_COPIED.has(name));
  const unknown = names.filter((name) => !COPIED_TABLES.includes(name));
  if (unknown.length > 0) {
    throw new RefusedError(
      `${unknown.length === 1 ? 'table' : 'tables'} ${unknown.join(', ')} of the SQLite file ${unknown.length === 1 ? 'is' : 'are'} unknown to this version of loupe migrate, which would not copy ${unknown.length === 1 ? 'it' : 'them'}: nothing was done. Use the loupe version that wrote this file.`,
    );
  }
  const missing = COPIED_TABLES.filter((name) => !names.includes(name));
  if (missing.length > 0) throw new RefusedError(`the SQLite file lacks ${missing.join(', ')}: it is not a Loupe database at the current schema.`);
  return [...COPIED_TABLES];
}

export interface SqliteColumn {
  name: string;
  /** Declared type, upper case: INTEGER, TEXT, BLOB. */
  type: string;
  /** 1-based position in the primary key, 0 when not part of it. */
  pk: number;
}

export function sqliteColumns(db: Database.Database, table: string): SqliteColumn[] {
  return (db.prepare(`PRAGMA table_info("${table}")`).all() as Array<{ name: string; type: string; pk: number }>).map((row) => ({
    name: row.name,
    type: row.type.toUpperCase(),
    pk: row.pk,
  }));
}

/** The primary key's columns in key order (every column when the table has none). */
export function keyColumns(columns: SqliteColumn[]): string[] {
  const keyed = columns.filter((column) => column.pk > 0).sort((a, b) => a.pk - b.pk);
  return (keyed.length > 0 ? keyed : columns).map((column) => column.name);
}
