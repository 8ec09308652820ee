import { join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import pg from 'pg';
import { openStore, sqlitePathOf } from '../../lib/store';
import type { Store } from '../../lib/store/types';
import { loadConfig } from '../config';
import { copyTables, countRows, expectedRows, nonEmptyTables, planCopy, quoteIdent, type TablePlan } from './copy';
import type { AdminIo } from './index';
import { checkCarriable, readEnvFileKeys, sourceKeys, writeEnvFile } from './keys';
import { LEGACY_SECRET_SETTING, openSqliteSource, RefusedError, sourceTables } from './sqlite-source';
import { verifyCopy } from './verify-copy';

export interface MigrateOptions {
  /** postgres://… : move the embedded install there. Absent: only run the configured database's migrations. */
  to?: string;
  /** The SQLite file (a path or sqlite:PATH); default DATABASE_URL=sqlite:…, else DATA_DIR/loupe.db. */
  from?: string;
  /** Only verify an earlier copy. */
  verifyOnly: boolean;
  dataDir: string;
  /** Where AUTH_SECRET is written (default DATA_DIR/postgres.env). */
  envFile?: string;
}

/** Exit codes: 0 done (and verified), 1 failed or a difference found, 2 usage, 3 refused before anything was written. */
export async function runMigrateCommand(options: MigrateOptions, io: AdminIo): Promise<number> {
  try {
    if (!options.to) {
      if (options.verifyOnly || options.from) {
        io.err('loupe migrate: --verify and --from go with --to postgres://… (the database the install was copied to)');
        return 2;
      }
      return await migrateSchema(options, io);
    }
    return await moveToPostgres({ ...options, to: options.to }, io);
  } catch (error) {
    if (error instanceof RefusedError) {
      io.err(`loupe migrate: refused: ${error.message}`);
      return 3;
    }
    io.err(`loupe migrate: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

/** `loupe migrate`: the configured database's schema migrations (PostgreSQL: under its advisory lock, safe beside running instances). */
async function migrateSchema(options: MigrateOptions, io: AdminIo): Promise<number> {
  const databaseUrl = process.env.DATABASE_URL;
  const store = openStore({ databaseUrl, dataDir: options.dataDir });
  try {
    await ready(store);
  } finally {
    await store.close();
  }
  const where = sqlitePathOf({ databaseUrl, dataDir: options.dataDir }) ?? redact(databaseUrl ?? '');
  io.out(`loupe migrate: the schema of ${where} is up to date.`);
  return 0;
}

/** Every method of a store waits for its migrations; a cheap read is the portable way to wait for them. */
async function ready(store: Store): Promise<void> {
  await store.getSetting('schema-check');
}

export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the PostgreSQL database';
  }
}

function sourcePathOf(options: MigrateOptions): string {
  if (options.from) return resolve(options.from.startsWith('sqlite:') ? options.from.slice('sqlite:'.length) : options.from);
  const databaseUrl = process.env.DATABASE_URL;
  const path = sqlitePathOf({ databaseUrl, dataDir: options.dataDir });
  if (path === null) {
    throw new RefusedError('DATABASE_URL points at PostgreSQL here, so it does not name the SQLite file to move: unset it, or pass --from DATA_DIR/loupe.db.');
  }
  return resolve(path);
}

async function moveToPostgres(options: MigrateOptions & { to: string }, io: AdminIo): Promise<number> {
  const started = Date.now();
  if (!/^postgres(ql)?:\/\//.test(options.to)) throw new RefusedError('--to must be a postgres:// (or postgresql://) URL.');
  const sourcePath = sourcePathOf(options);
  const envFile = resolve(options.envFile ?? join(options.dataDir, 'postgres.env'));
  const target = redact(options.to);
  io.out(`loupe migrate${options.verifyOnly ? ' --verify' : ''}: ${sourcePath} -> ${target}`);

  const source = openSqliteSource(sourcePath);
  try {
    const tables = sourceTables(source.db);
    const legacy = await source.store.getSetting(LEGACY_SECRET_SETTING);
    const keys = sourceKeys({ dataDir: options.dataDir, env: process.env, legacy });
    checkCarriable(keys.keys);
    const targetStore = openStore({ databaseUrl: options.to, dataDir: options.dataDir });
    const client = new pg.Client({ connectionString: options.to });
    let committed = false;
    try {
      // Creates the schema (PostgreSQL's migrations) in an empty database, or checks it is current.
      await ready(targetStore);
      await client.connect();
      const encoding = String((await client.query('SHOW server_encoding')).rows[0].server_encoding);
      if (encoding !== 'UTF8') throw new RefusedError(`the PostgreSQL database's encoding is ${encoding}; Loupe's text needs UTF8 (CREATE DATABASE … ENCODING 'UTF8').`);
      const plans = await planCopy(client, source.db, tables);

      if (!options.verifyOnly) {
        io.out('copying, in one transaction:');
        const copied = await copyInOneTransaction(client, source.db, plans, tables, io);
        committed = true;
        const rows = Array.from(copied.values()).reduce((a, b) => a + b, 0);
        io.out(`committed: ${tables.length} tables, ${rows} rows.`);
        writeEnvFile(envFile, keys.keys, options.to);
      }

      io.out('verifying:');
      const carried = readEnvFileKeys(envFile);
      // What the server will do with the env file: refuse a ring it would refuse.
      loadConfig({ DATABASE_URL: options.to, AUTH_SECRET: carried.join(','), DATA_DIR: options.dataDir });
      const result = await verifyCopy(
        // An install that never made a key signed nothing: the key made for it (now in the env file) is the one to check.
        { db: source.db, source: source.store, client, target: targetStore, plans, sourceKeys: keys.fresh ? carried : keys.keys, carriedKeys: carried },
        io.out,
      );
      for (const line of result.lines) io.out(line);
      if (result.problems.length > 0) {
        io.err(`loupe migrate: the PostgreSQL copy DIFFERS from the SQLite install (${result.problems.length} problem(s)):`);
        for (const problem of result.problems) io.err(`  - ${problem}`);
        io.err(
          `The PostgreSQL database was left as it is, for inspection; do not start Loupe on it. The SQLite install is unchanged. Drop and re-create the database, then run loupe migrate --to again.`,
        );
        return 1;
      }
      io.out(
        `${keys.fresh ? 'a new signing key (the install had none) is' : `the signing keys (from ${keys.from}) are`} in ${envFile} (0600), with DATABASE_URL: the environment of the PostgreSQL deployment.`,
      );
      io.out(`Start Loupe with that environment (e.g. \`set -a; . ${envFile}; set +a; npm start\`). Keep the SQLite file as a backup; nothing reads it any more.`);
      io.out(`done in ${((Date.now() - started) / 1000).toFixed(1)} s: verified, ${options.verifyOnly ? 'nothing changed' : 'the PostgreSQL database holds the install'}.`);
      return 0;
    } catch (error) {
      if (!committed || error instanceof RefusedError) throw error;
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}. The copy was committed but its verification did not finish: do not start Loupe on it before \`loupe migrate --verify --to …\` passes.`,
        { cause: error },
      );
    } finally {
      await client.end().catch(() => {});
      await targetStore.close();
    }
  } finally {
    await source.close();
  }
}

/**
 * All or nothing: the tables are locked against everyone else (a Loupe
 * started on the database meanwhile waits, then sees the whole copy), the
 * emptiness check, the copy and the row counts run in one transaction, and
 * any failure rolls it back.
 */
async function copyInOneTransaction(
  client: pg.Client,
  db: Database.Database,
  plans: TablePlan[],
  tables: string[],
  io: AdminIo,
): Promise<Map<string, number>> {
  await client.query('BEGIN');
  try {
    await client.query("SET LOCAL lock_timeout = '30s'");
    await client.query(`LOCK TABLE ${tables.map(quoteIdent).join(', ')} IN ACCESS EXCLUSIVE MODE`);
    const holding = await nonEmptyTables(client, tables);
    if (holding.length > 0) {
      throw new RefusedError(
        `the PostgreSQL database is not empty (${holding.join(', ')} ${holding.length === 1 ? 'has' : 'have'} rows; did a Loupe start on it?). loupe migrate only copies into an empty database, so nothing is overwritten or merged. It was left as it was.`,
      );
    }
    const copied = await copyTables(client, db, plans, (table, rows) => io.out(`  ${table}: ${rows}`));
    const wrong: string[] = [];
    for (const plan of plans) {
      const [want, have] = [expectedRows(db, plan), await countRows(client, plan.table)];
      if (want !== have) wrong.push(`${plan.table}: ${want} in SQLite, ${have} in PostgreSQL`);
    }
    if (wrong.length > 0) throw new Error(`row counts differ after the copy (${wrong.join('; ')})`);
    await client.query('COMMIT');
    return copied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    if (error instanceof RefusedError) throw error;
    throw new Error(`${error instanceof Error ? error.message : String(error)}. The copy was rolled back: the PostgreSQL database is as it was.`, { cause: error });
  }
}
