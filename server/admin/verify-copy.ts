import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { decode, encode } from 'next-auth/jwt';
import { ChainVerifier } from '../../lib/audit/chain';
import { keyRingOf } from '../../lib/auth/key-ring';
import { signClaims, verifyClaims } from '../../lib/auth/tokens';
import type { AuditRecord, Store, VersionChain } from '../../lib/store/types';
import { decodeVersion } from '../../lib/versions/codec';
import { COLLAB_TOKEN_TTL_MS, Identifier, sessionCookieName } from '../auth/identify';
import { quoteIdent, sourceRowsSql, type TablePlan } from './copy';
import { canonicalJson, docContentHash } from './doc-content';

/**
 * The checks `loupe migrate` runs before it says done (and `--verify` runs
 * alone). Every one compares what the server will read from PostgreSQL with
 * what it read from SQLite:
 * - tables: every row of every table, every column (blobs by their sha256), as
 *   an order-independent digest per table, with the differing rows named;
 * - audit: every organization's chain read through the Store on both sides,
 *   entry by entry (seq, prev_hash, hash, every field), and valid (lib/audit);
 * - documents: each loaded through both Stores; the stored form (snapshot, seqs,
 *   each update's bytes) and the content hash (doc-content.ts) equal;
 * - versions: each version's page rebuilt from PostgreSQL matches its content hash;
 * - signing keys: a session cookie and a collab token signed with the install's
 *   key verify with the carried ring, and resolve to a live session in PostgreSQL.
 */

export interface VerifyInput {
  db: Database.Database;
  source: Store;
  /** A client of the PostgreSQL database, outside any transaction. */
  client: pg.ClientBase;
  target: Store;
  plans: TablePlan[];
  sourceKeys: string[];
  carriedKeys: string[];
}

export interface VerifyResult {
  problems: string[];
  lines: string[];
}

const MAX_NAMED = 10;
const BUCKETS = 256;
const MOD = 1n << 256n;

type Tagged = string | null;

function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A SQLite value (read with safeIntegers) in the form both sides are compared in. */
function tagSqlite(value: unknown): Tagged {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return `I${value}`;
  if (typeof value === 'string') return `T${value}`;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `B${sha256Hex(value)}`;
  return `R${String(value)}`;
}

/** The PostgreSQL select expression for a column, and the tag its text gets, matching tagSqlite. */
function pgExpression(name: string, dataType: string): { sql: string; tag: string } {
  const column = quoteIdent(name);
  if (['bigint', 'integer', 'smallint'].includes(dataType)) return { sql: `${column}::text`, tag: 'I' };
  if (dataType === 'boolean') return { sql: `${column}::int::text`, tag: 'I' };
  if (dataType === 'bytea') return { sql: `encode(sha256(${column}), 'hex')`, tag: 'B' };
  if (dataType === 'text' || dataType === 'character varying') return { sql: column, tag: 'T' };
  return { sql: `${column}::text`, tag: 'R' };
}

interface Digest {
  rows: number;
  sums: bigint[];
}

function newDigest(): Digest {
  return { rows: 0, sums: new Array<bigint>(BUCKETS).fill(0n) };
}

function rowKey(values: Tagged[], keyIndexes: number[]): { key: string; bucket: number } {
  const key = JSON.stringify(keyIndexes.map((index) => values[index]));
  return { key, bucket: parseInt(sha256Hex(key).slice(0, 2), 16) };
}

function addRow(digest: Digest, values: Tagged[], bucket: number): void {
  digest.rows += 1;
  digest.sums[bucket] = (digest.sums[bucket] + BigInt(`0x${sha256Hex(JSON.stringify(values))}`)) % MOD;
}

/** Streams a table's rows from SQLite, as copied (sourceRowsSql), tagged. */
function* sqliteRows(db: Database.Database, plan: TablePlan): Generator<Tagged[]> {
  const { sql } = sourceRowsSql(plan);
  for (const row of db.prepare(sql).safeIntegers(true).raw(true).iterate() as IterableIterator<unknown[]>) yield row.map(tagSqlite);
}

/** Streams a table's rows from PostgreSQL through a cursor (bounded memory), tagged; blobs as their sha256, computed by the server. */
async function* pgRows(client: pg.ClientBase, plan: TablePlan, columns: string[]): AsyncGenerator<Tagged[]> {
  const expressions = columns.map((name) => pgExpression(name, plan.pg.find((column) => column.name === name)?.dataType ?? 'text'));
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await client.query(`DECLARE verify_rows NO SCROLL CURSOR FOR SELECT ${expressions.map((e) => e.sql).join(', ')} FROM ${quoteIdent(plan.table)}`);
    for (;;) {
      const result = await client.query({ text: 'FETCH 5000 FROM verify_rows', rowMode: 'array' });
      if (result.rows.length === 0) break;
      for (const row of result.rows as unknown[][]) yield row.map((value, index) => (value === null ? null : `${expressions[index].tag}${String(value)}`));
    }
    await client.query('CLOSE verify_rows');
  } finally {
    await client.query('COMMIT');
  }
}

async function compareTable(input: VerifyInput, plan: TablePlan): Promise<{ rows: number; problems: string[] }> {
  const { columns } = sourceRowsSql(plan);
  const keyNames = plan.table === 'docs' ? ['name'] : keyColumnsOf(plan);
  const keyIndexes = keyNames.map((name) => columns.indexOf(name));
  const source = newDigest();
  for (const values of sqliteRows(input.db, plan)) addRow(source, values, rowKey(values, keyIndexes).bucket);
  const target = newDigest();
  for await (const values of pgRows(input.client, plan, columns)) addRow(target, values, rowKey(values, keyIndexes).bucket);
  const differing = new Set<number>();
  for (let b = 0; b < BUCKETS; b++) if (source.sums[b] !== target.sums[b]) differing.add(b);
  if (differing.size === 0 && source.rows === target.rows) return { rows: source.rows, problems: [] };

  // Name the rows: a second pass keeps only the rows of the differing buckets (a 1/256 share each).
  const problems: string[] = [];
  if (source.rows !== target.rows) problems.push(`${plan.table}: ${source.rows} rows in SQLite, ${target.rows} in PostgreSQL`);
  const fromSource = new Map<string, Tagged[]>();
  for (const values of sqliteRows(input.db, plan)) {
    const { key, bucket } = rowKey(values, keyIndexes);
    if (differing.has(bucket)) fromSource.set(key, values);
  }
  const named: string[] = [];
  const name = (text: string) => {
    if (named.length < MAX_NAMED) named.push(text);
  };
  const describeKey = (values: Tagged[]) => keyNames.map((keyName, i) => `${keyName}=${untag(values[keyIndexes[i]])}`).join(', ');
  let differences = 0;
  for await (const values of pgRows(input.client, plan, columns)) {
    const { key, bucket } = rowKey(values, keyIndexes);
    if (!differing.has(bucket)) continue;
    const original = fromSource.get(key);
    if (!original) {
      differences += 1;
      name(`${plan.table} (${describeKey(values)}): in PostgreSQL, not in SQLite`);
      continue;
    }
    fromSource.delete(key);
    const changed = columns.filter((_, i) => original[i] !== values[i]);
    if (changed.length > 0) {
      differences += 1;
      name(`${plan.table} (${describeKey(values)}): ${changed.join(', ')} ${changed.length === 1 ? 'differs' : 'differ'}`);
    }
  }
  for (const values of fromSource.values()) {
    differences += 1;
    name(`${plan.table} (${describeKey(values)}): in SQLite, missing from PostgreSQL`);
  }
  problems.push(...named);
  if (differences > named.length) problems.push(`${plan.table}: ${differences - named.length} more differing rows`);
  if (problems.length === 0) problems.push(`${plan.table}: the table digests differ`);
  return { rows: source.rows, problems };
}

function keyColumnsOf(plan: TablePlan): string[] {
  const keyed = plan.sqlite.filter((column) => column.pk > 0).sort((a, b) => a.pk - b.pk);
  return (keyed.length > 0 ? keyed : plan.sqlite).map((column) => column.name);
}

function untag(value: Tagged): string {
  if (value === null) return 'NULL';
  const text = value.slice(1);
  return value[0] === 'T' ? JSON.stringify(text) : text;
}

function auditFields(entry: AuditRecord): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(entry)) fields[key] = canonicalJson(value);
  return fields;
}

async function compareAudit(input: VerifyInput): Promise<{ chains: number; entries: number; problems: string[]; heads: string[] }> {
  const problems: string[] = [];
  const heads: string[] = [];
  const orgIds = new Set([...(await input.source.listOrgs()).map((org) => org.id), ...(await input.target.listOrgs()).map((org) => org.id)]);
  let entries = 0;
  for (const orgId of Array.from(orgIds).sort()) {
    const verifier = new ChainVerifier();
    let after = 0;
    let count = 0;
    let mismatch: string | null = null;
    for (;;) {
      const [a, b] = await Promise.all([input.source.readAuditChain(orgId, after, 1000), input.target.readAuditChain(orgId, after, 1000)]);
      for (let i = 0; i < Math.max(a.length, b.length) && mismatch === null; i++) {
        if (!a[i]) mismatch = `entry #${b[i].seq} is in PostgreSQL, not in SQLite`;
        else if (!b[i]) mismatch = `entry #${a[i].seq} is missing from PostgreSQL`;
        else {
          const left = auditFields(a[i]);
          const right = auditFields(b[i]);
          const changed = Array.from(new Set([...Object.keys(left), ...Object.keys(right)])).filter((key) => left[key] !== right[key]);
          if (changed.length > 0) mismatch = `entry #${a[i].seq} differs in ${changed.join(', ')}`;
        }
      }
      for (const entry of b) verifier.push(entry);
      count += b.length;
      if (mismatch !== null || (a.length < 1000 && b.length < 1000)) break;
      after = b[b.length - 1].seq;
    }
    entries += count;
    const verdict = verifier.verdict();
    if (mismatch !== null) problems.push(`audit chain of org ${orgId}: ${mismatch}`);
    if (!verdict.ok) problems.push(`audit chain of org ${orgId} in PostgreSQL is broken at entry #${verdict.brokenAt}: ${verdict.reason}`);
    if (mismatch === null && verdict.ok) heads.push(`${orgId} #${count} ${verdict.headHash.slice(0, 12)}…`);
  }
  return { chains: orgIds.size, entries, problems, heads };
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

async function compareDocs(input: VerifyInput): Promise<{ docs: number; problems: string[] }> {
  const names = (input.db.prepare('SELECT name FROM docs UNION SELECT doc_name FROM doc_updates ORDER BY 1').pluck().all() as string[]);
  const problems: string[] = [];
  for (const name of names) {
    const [a, b] = await Promise.all([input.source.loadDoc(name), input.target.loadDoc(name)]);
    const differs: string[] = [];
    if (a.snapshotSeq !== b.snapshotSeq) differs.push(`snapshot_seq ${a.snapshotSeq} vs ${b.snapshotSeq}`);
    if (!sameBytes(a.snapshot, b.snapshot)) differs.push('snapshot bytes');
    if (a.lastSeq !== b.lastSeq) differs.push(`last seq ${a.lastSeq} vs ${b.lastSeq}`);
    if (a.updates.length !== b.updates.length) differs.push(`${a.updates.length} vs ${b.updates.length} updates`);
    else {
      const index = a.updates.findIndex((update, i) => !sameBytes(update, b.updates[i]));
      if (index >= 0) differs.push(`the bytes of update ${index + 1} of ${a.updates.length}`);
    }
    let contentNote = '';
    try {
      const left = docContentHash(a);
      const right = docContentHash(b);
      if (left.hash !== right.hash) differs.push(`content hash ${left.hash.slice(0, 12)}… vs ${right.hash.slice(0, 12)}…`);
    } catch (error) {
      contentNote = ` (its content could not be built: ${error instanceof Error ? error.message : String(error)})`;
      differs.push('content');
    }
    if (differs.length > 0) problems.push(`document ${name}: SQLite vs PostgreSQL differ in ${differs.join('; ')}${contentNote}`);
  }
  const extra = Number(((await input.client.query('SELECT count(*)::bigint AS n FROM docs')).rows[0] as { n: string }).n) - names.length;
  if (extra > 0) problems.push(`PostgreSQL has ${extra} document(s) SQLite does not`);
  return { docs: names.length, problems };
}

/** sha256 of a version's rebuilt page; null when there is no chain, `!reason` when it does not decode. */
function pageHash(chain: VersionChain | null): string | null {
  if (!chain) return null;
  try {
    return sha256Hex(decodeVersion(chain.keyframe, chain.deltas));
  } catch (error) {
    return `!${error instanceof Error ? error.message : String(error)}`;
  }
}

async function compareVersions(input: VerifyInput): Promise<{ versions: number; problems: string[] }> {
  const artifactIds = input.db.prepare('SELECT DISTINCT artifact_id FROM versions ORDER BY 1').pluck().all() as string[];
  const problems: string[] = [];
  let versions = 0;
  for (const artifactId of artifactIds) {
    const [a, b] = await Promise.all([input.source.listVersions(artifactId), input.target.listVersions(artifactId)]);
    if (canonicalJson(a) !== canonicalJson(b)) {
      const differing = a.filter((version, i) => canonicalJson(version) !== canonicalJson(b[i])).map((version) => `v${version.n}`);
      problems.push(`versions of ${artifactId}: their records differ (${differing.join(', ') || `${a.length} vs ${b.length} versions`})`);
    }
    for (const version of b) {
      versions += 1;
      const hash = pageHash(await input.target.readVersionChain(artifactId, version.n));
      if (hash === version.contentHash) continue;
      // Tell a bad copy from a source that was already inconsistent.
      const sourceHash = pageHash(await input.source.readVersionChain(artifactId, version.n));
      const rebuilt = hash === null ? 'is missing' : hash.startsWith('!') ? `cannot be rebuilt (${hash.slice(1)})` : `hashes to ${hash.slice(0, 12)}…`;
      problems.push(
        `version ${version.n} of ${artifactId}: its page rebuilt from PostgreSQL ${rebuilt}, its recorded content hash is ${version.contentHash.slice(0, 12)}…${sourceHash === version.contentHash ? ' (SQLite rebuilds it correctly)' : ' (SQLite does not rebuild it either)'}`,
      );
    }
  }
  return { versions, problems };
}

async function compareKeys(input: VerifyInput): Promise<{ line: string; problems: string[] }> {
  const source = keyRingOf(input.sourceKeys);
  const carried = keyRingOf(input.carriedKeys);
  const problems: string[] = [];
  if (carried.current !== source.current) problems.push('signing keys: the carried ring signs with another key than the install did');
  const lost = source.all.filter((key) => !carried.all.includes(key)).length;
  if (lost > 0) problems.push(`signing keys: ${lost} key(s) of the install are not in the carried ring`);
  // A session the install signed (its newest live one, or a made-up id when it has none) and a collab token for it,
  // signed with each key of the install's ring: whichever key signed a session, the PostgreSQL deployment takes it.
  const now = Date.now();
  const live = input.db
    .prepare(
      `SELECT s.id AS sid, s.user_id AS uid, m.org_id AS org FROM sessions s JOIN memberships m ON m.user_id = s.user_id
       WHERE s.revoked_at IS NULL AND s.expires_at > ? ORDER BY s.created_at DESC LIMIT 1`,
    )
    .get(now) as { sid: string; uid: string; org: string } | undefined;
  const sid = live?.sid ?? 'migration-check';
  for (const [index, key] of source.all.entries()) {
    const which = source.all.length === 1 ? 'the install\'s key' : `the install's key #${index + 1}`;
    for (const origin of ['http://localhost', 'https://localhost']) {
      const cookieName = sessionCookieName(origin);
      const jwt = await encode({ token: { sid, uid: live?.uid ?? 'migration-check' }, secret: key, salt: cookieName });
      if (live) {
        const identifier = new Identifier({ store: input.target, authSecrets: carried.all, appOrigin: () => origin });
        const request = { headers: { cookie: `${cookieName}=${jwt}` } } as unknown as IncomingMessage;
        const principal = await identifier.fromSessionCookie(request, live.org);
        if (principal?.kind !== 'user' || principal.sessionId !== sid) problems.push(`signing keys: a session cookie (${origin}) signed with ${which} does not resolve to its session on PostgreSQL`);
      } else {
        const payload = await decode({ token: jwt, secret: [...carried.all], salt: cookieName }).catch(() => null);
        if (payload?.sid !== sid) problems.push(`signing keys: a session cookie (${origin}) signed with ${which} does not verify with the carried ring`);
      }
    }
    const collab = signClaims({ typ: 'collab', sid, org: live?.org ?? 'migration-check', exp: Math.floor((now + COLLAB_TOKEN_TTL_MS) / 1000) }, key);
    if (!verifyClaims(collab, carried.all, now)) problems.push(`signing keys: a collab token signed with ${which} does not verify with the carried ring`);
    else if (live) {
      const identifier = new Identifier({ store: input.target, authSecrets: carried.all, appOrigin: () => 'http://localhost' });
      const principal = await identifier.fromCollabToken(collab);
      if (principal?.kind !== 'user' || principal.sessionId !== sid) problems.push(`signing keys: a collab token signed with ${which} does not resolve to its session on PostgreSQL`);
    }
  }
  const what = live ? "a live session's cookie and collab token, signed with each, resolve on PostgreSQL" : 'a cookie and a collab token signed with each verify (no live session to resolve)';
  return { line: `${carried.all.length} key(s) carried; ${what}`, problems };
}

export async function verifyCopy(input: VerifyInput, progress: (line: string) => void): Promise<VerifyResult> {
  const problems: string[] = [];
  const lines: string[] = [];
  const section = (name: string, found: string[], good: string, bad: string) => {
    problems.push(...found);
    lines.push(found.length === 0 ? `verified ${name} ${good}` : `FAILED   ${name} ${bad}`);
  };
  let rows = 0;
  const tableProblems: string[] = [];
  for (const plan of input.plans) {
    const result = await compareTable(input, plan);
    rows += result.rows;
    tableProblems.push(...result.problems);
    if (result.problems.length > 0) progress(`  DIFFERS ${plan.table} (${result.rows} rows in SQLite)`);
  }
  section('tables:   ', tableProblems, `${input.plans.length} tables, ${rows} rows: every column of every row identical (blobs by sha256)`, `${input.plans.length} tables, ${rows} rows: rows differ`);
  const audit = await compareAudit(input);
  section(
    'audit:    ',
    audit.problems,
    `${audit.chains} chain(s), ${audit.entries} entries: seqs, prev_hash, hash and every field identical, chains valid${audit.heads.length > 0 ? ` (${audit.heads.join('; ')})` : ''}`,
    `${audit.chains} chain(s), ${audit.entries} entries: a chain differs or is broken`,
  );
  const docs = await compareDocs(input);
  section('documents:', docs.problems, `${docs.docs}: stored form (snapshot, seqs, update bytes) and content hash identical through both stores`, `${docs.docs}: a document differs`);
  const versions = await compareVersions(input);
  section('versions: ', versions.problems, `${versions.versions}: every page rebuilt from PostgreSQL matches its content hash`, `${versions.versions}: a version does not rebuild to its content hash`);
  const keys = await compareKeys(input);
  section('keys:     ', keys.problems, keys.line, 'the carried keys do not verify what the install signed');
  return { problems, lines };
}
