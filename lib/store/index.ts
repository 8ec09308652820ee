import { join } from 'node:path';
import type { Store } from './types';
import { SqliteStore } from './sqlite';

export type { Store } from './types';

/**
 * The one place a backend is chosen. DATABASE_URL=postgres://… will select
 * PostgreSQL once that backend lands; today only the embedded default exists.
 */
export function openStore(options: { databaseUrl?: string; dataDir: string }): Store {
  const url = options.databaseUrl;
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    throw new Error('DATABASE_URL points at PostgreSQL, which this build does not support yet; unset it to use SQLite.');
  }
  return new SqliteStore(sqlitePathOf(options) ?? join(options.dataDir, 'loupe.db'));
}

/** The SQLite file the options select (DATA_DIR/loupe.db, or a `sqlite:` DATABASE_URL), or null for another backend. */
export function sqlitePathOf(options: { databaseUrl?: string; dataDir: string }): string | null {
  const url = options.databaseUrl;
  if (url === undefined) return join(options.dataDir, 'loupe.db');
  return url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : null;
}
