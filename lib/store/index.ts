import { join } from 'node:path';
import type { Store } from './types';
import { SqliteStore } from './sqlite';
import { PostgresStore } from './postgres';

export type { Store } from './types';

/**
 * The one place a backend is chosen: DATABASE_URL=postgres://… selects
 * PostgreSQL (opened at once; migrations run behind its `ready`, which every
 * call awaits), anything else the embedded SQLite file.
 */
export function openStore(options: { databaseUrl?: string; dataDir: string; pgPoolMax?: number }): Store {
  const url = options.databaseUrl;
  if (url && /^postgres(ql)?:\/\//.test(url)) return new PostgresStore(url, { poolMax: options.pgPoolMax });
  return new SqliteStore(sqlitePathOf(options) ?? join(options.dataDir, 'loupe.db'));
}

/** The SQLite file the options select (DATA_DIR/loupe.db, or a `sqlite:` DATABASE_URL), or null for another backend. */
export function sqlitePathOf(options: { databaseUrl?: string; dataDir: string }): string | null {
  const url = options.databaseUrl;
  if (url === undefined) return join(options.dataDir, 'loupe.db');
  return url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : null;
}
