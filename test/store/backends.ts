// The backends every store contract case runs on: SQLite in a temporary file, PostgreSQL in a database of the test's own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../lib/store/types';
import { SqliteStore } from '../../lib/store/sqlite';
import { PostgresStore } from '../../lib/store/postgres';
import { createTestDatabase } from '../helpers/services';

export interface OpenedStore {
  store: Store;
  cleanup: () => Promise<void> | void;
}

export const backends: Array<{ name: Store['kind']; open: () => Promise<OpenedStore> }> = [
  {
    name: 'sqlite',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'loupe-store-'));
      return { store: new SqliteStore(join(dir, 'loupe.db')), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    open: async () => {
      const db = await createTestDatabase('contract');
      return { store: new PostgresStore(db.url), cleanup: () => db.drop() };
    },
  },
];

export const bytes = (...values: number[]) => new Uint8Array(values);

/** Polls `check` until it holds or the deadline passes (no fixed sleeps). */
export async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A promise with its resolve handle: lets one task hold a lock or a unit open until the test says so. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
