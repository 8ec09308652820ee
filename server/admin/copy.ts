import type Database from 'better-sqlite3';
import type pg from 'pg';
import { LEGACY_SECRET_SETTING, RefusedError, sqliteColumns, type SqliteColumn } from './sqlite-source';

/** One INSERT carries at most this much row data (one bigger row goes alone): memory stays bounded whatever the install's size. */
export const BATCH_BYTES = 16 * 1024 * 1024;
/** PostgreSQL's limit on a statement's parameters. */
const MAX_PARAMS = 65_535;

export interface PgColumn {
  name: string;
  /** information_schema data_type: bigint, integer, text, bytea, boolean… */
  dataType: string;
  nullable: boolean;
  hasDefault: boolean;
}

export interface TablePlan {
  table: string;
  sqlite: SqliteColumn[];
  pg: PgColumn[];
}

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function pgColumns(client: pg.ClientBase, table: string): Promise<PgColumn[]> {
  const result = await client.query(
    `SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return result.rows.map((row) => ({
    name: String(row.column_name),
    dataType: String(row.data_type),
    nullable: row.is_nullable === 'YES',
    hasDefault: row.column_default !== null,
  }));
}

/**
 * Matches every table's columns between the two schemas: each SQLite column
 * must exist in PostgreSQL (else data would be dropped), and a PostgreSQL
 * column SQLite lacks must be one the copy fills (docs.last_seq) or have a default.
 */
export async function planCopy(client: pg.ClientBase, db: Database.Database, tables: readonly string[]): Promise<TablePlan[]> {
  const plans: TablePlan[] = [];
  for (const table of tables) {
    const sqlite = sqliteColumns(db, table);
    const target = await pgColumns(client, table);
    if (target.length === 0) throw new RefusedError(`the PostgreSQL database has no table ${table}: its schema does not match this loupe version.`);
    const names = new Set(target.map((column) => column.name));
    const lacking = sqlite.filter((column) => !names.has(column.name)).map((column) => column.name);
    if (lacking.length > 0) throw new RefusedError(`PostgreSQL's ${table} lacks ${lacking.join(', ')}: the copy would drop data. Nothing was done.`);
    const filled = new Set(sqlite.map((column) => column.name));
    if (table === 'docs') {
      // Its rows are derived (sourceRowsSql), column by column: a column added later must be added there too.
      const known = ['name', 'snapshot', 'snapshot_seq'];
      const unknown = sqlite.map((column) => column.name).filter((name) => !known.includes(name));
      if (unknown.length > 0) throw new RefusedError(`the SQLite docs table has columns this loupe migrate does not copy (${unknown.join(', ')}). Nothing was done.`);
      filled.add('last_seq');
    }
    const unfillable = target.filter((column) => !filled.has(column.name) && !column.nullable && !column.hasDefault).map((column) => column.name);
    if (unfillable.length > 0) throw new RefusedError(`PostgreSQL's ${table} has required columns the SQLite file does not have (${unfillable.join(', ')}): this loupe version cannot copy into it.`);
    plans.push({ table, sqlite, pg: target });
  }
  return plans;
}

/**
 * What each table's PostgreSQL copy holds, read from SQLite. The document
 * heads are the one derived part: every document gets a docs row (an
 * uncompacted one with snapshot NULL, snapshot_seq 0) whose last_seq is the
 * highest seq it has, so the PostgreSQL store's next append continues after
 * the copied seqs (which keep their SQLite values: increasing per document,
 * with gaps, which readers never depend on).
 */
export function sourceRowsSql(plan: TablePlan): { sql: string; columns: string[] } {
  const columns = plan.sqlite.map((column) => column.name);
  if (plan.table === 'docs') {
    return {
      columns: ['name', 'snapshot', 'snapshot_seq', 'last_seq'],
      sql: `SELECT d.name, d.snapshot, d.snapshot_seq,
              max(d.snapshot_seq, coalesce((SELECT max(u.seq) FROM doc_updates u WHERE u.doc_name = d.name), 0)) AS last_seq
            FROM docs d
            UNION ALL
            SELECT u.doc_name, NULL, 0, max(u.seq) FROM doc_updates u
            WHERE NOT EXISTS (SELECT 1 FROM docs d WHERE d.name = u.doc_name) GROUP BY u.doc_name`,
    };
  }
  const where = plan.table === 'settings' ? ` WHERE key <> '${LEGACY_SECRET_SETTING}'` : '';
  return { columns, sql: `SELECT ${columns.map(quoteIdent).join(', ')} FROM ${quoteIdent(plan.table)}${where}` };
}

/** How many rows the copy of a table must hold (from SQLite). */
export function expectedRows(db: Database.Database, plan: TablePlan): number {
  const { sql } = sourceRowsSql(plan);
  return Number((db.prepare(`SELECT count(*) AS n FROM (${sql})`).get() as { n: number }).n);
}

function byteSize(value: unknown): number {
  if (value === null || value === undefined) return 1;
  if (typeof value === 'string') return value.length * 3;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return value.byteLength;
  return 8;
}

/** A SQLite value as a pg parameter: integers exactly (read as BigInt, sent as decimal text). */
function param(value: unknown, target: PgColumn | undefined): unknown {
  if (typeof value === 'bigint') {
    if (target?.dataType === 'boolean') return value !== 0n;
    return value.toString();
  }
  return value;
}

/**
 * Copies every table, in `plans` order, inside the caller's transaction on
 * `client`. Rows stream from SQLite one at a time and go out in INSERTs of
 * at most BATCH_BYTES, so memory stays bounded. Returns rows copied per table.
 */
export async function copyTables(client: pg.ClientBase, db: Database.Database, plans: TablePlan[], progress: (table: string, rows: number) => void): Promise<Map<string, number>> {
  const copied = new Map<string, number>();
  for (const plan of plans) {
    const { sql, columns } = sourceRowsSql(plan);
    const targets = columns.map((name) => plan.pg.find((column) => column.name === name));
    const maxRows = Math.max(1, Math.min(1000, Math.floor(MAX_PARAMS / columns.length)));
    const insertHead = `INSERT INTO ${quoteIdent(plan.table)} (${columns.map(quoteIdent).join(', ')}) VALUES `;
    let batch: unknown[] = [];
    let rowsInBatch = 0;
    let bytes = 0;
    let total = 0;
    const flush = async () => {
      if (rowsInBatch === 0) return;
      const tuples: string[] = [];
      for (let r = 0; r < rowsInBatch; r++) tuples.push(`(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`);
      try {
        await client.query(insertHead + tuples.join(', '), batch);
      } catch (error) {
        throw new Error(`copying ${plan.table} (rows ${total - rowsInBatch + 1}–${total}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      batch = [];
      rowsInBatch = 0;
      bytes = 0;
    };
    const statement = db.prepare(sql).safeIntegers(true).raw(true);
    // The iterator stays open across the awaits below: nothing else uses this connection meanwhile.
    for (const row of statement.iterate() as IterableIterator<unknown[]>) {
      const size = row.reduce((sum: number, value) => sum + byteSize(value), 0);
      if (rowsInBatch > 0 && (bytes + size > BATCH_BYTES || rowsInBatch >= maxRows)) await flush();
      for (let c = 0; c < row.length; c++) batch.push(param(row[c], targets[c]));
      rowsInBatch += 1;
      bytes += size;
      total += 1;
    }
    await flush();
    copied.set(plan.table, total);
    progress(plan.table, total);
  }
  await advanceSequences(client, plans.map((plan) => plan.table));
  return copied;
}

/** A serial or identity column (none today) would hand out values the copy already used: move each past its maximum. */
async function advanceSequences(client: pg.ClientBase, tables: string[]): Promise<void> {
  const result = await client.query(
    `SELECT table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) AS seq
     FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = ANY($1) AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')`,
    [tables],
  );
  for (const row of result.rows) {
    if (!row.seq) continue;
    await client.query(
      `SELECT setval($1, m, true) FROM (SELECT max(${quoteIdent(row.column_name)}) AS m FROM ${quoteIdent(row.table_name)}) s WHERE m IS NOT NULL`,
      [row.seq],
    );
  }
}

/** Tables of `tables` that hold any row in PostgreSQL. */
export async function nonEmptyTables(client: pg.ClientBase, tables: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const table of tables) {
    const result = await client.query(`SELECT EXISTS (SELECT 1 FROM ${quoteIdent(table)}) AS any`);
    if (result.rows[0].any) found.push(table);
  }
  return found;
}

export async function countRows(client: pg.ClientBase, table: string): Promise<number> {
  const result = await client.query(`SELECT count(*)::bigint AS n FROM ${quoteIdent(table)}`);
  return Number(result.rows[0].n);
}
