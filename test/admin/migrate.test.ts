import { execFile, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitKeys } from '../../lib/auth/key-ring';
import { PostgresStore } from '../../lib/store/postgres';
import { SqliteStore } from '../../lib/store/sqlite';
import { ADMIN_EMAIL, AGENT_TOKEN, connectClient, startTestLoupe, whenSynced, type TestClient, type TestLoupe } from '../helpers/loupe';
import { createTestDatabase, type TestDatabase } from '../helpers/services';
import { spawnChildLoupe } from '../helpers/spawn-child';
import { openSqliteSource } from '../../server/admin/sqlite-source';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `loupe …` as an operator runs it on the server's machine: its own process, no DATABASE_URL of the test runner's. */
function loupeCli(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  delete env.AUTH_SECRET;
  delete env.TEST_STORE;
  Object.assign(env, extraEnv);
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin/loupe.mjs'), ...args], { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function sql<T = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Rows in every table of a PostgreSQL database (none when it has no schema yet). */
async function rowsIn(url: string): Promise<number> {
  const tables = await sql<{ table_name: string }>(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations'");
  let total = 0;
  for (const { table_name } of tables) total += Number((await sql<{ n: string }>(url, `SELECT count(*) AS n FROM "${table_name}"`))[0].n);
  return total;
}

/** A page of about `bytes` bytes, with a recognisable line per ~100 bytes. */
function bigPage(bytes: number): string {
  const lines: string[] = ['<!doctype html><html><body>'];
  for (let i = 0, size = 0; size < bytes; i++) {
    const line = `<p id="l${i}">line ${i}: the quick brown fox jumps over the lazy dog, ünïcödé ✓ ${i * 7919}</p>`;
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  lines.push('</body></html>');
  return lines.join('\n');
}

type Json = Record<string, unknown>;

describe('loupe migrate --to postgres://', { timeout: 300_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'loupe-migrate-'));
  const scratch: string[] = [dataDir];
  const databases: TestDatabase[] = [];
  let target: TestDatabase;
  let child: ChildProcess | null = null;
  let childUrl = '';
  let adminHeaders: Record<string, string> = {};
  let apiToken = '';
  const artifacts: string[] = [];
  let expected: Json = {};

  /** Everything a client can read back about the install, through the API of the server at `url`. */
  async function readBack(url: string): Promise<Json> {
    const get = async (path: string, headers: Record<string, string> = { authorization: `Bearer ${AGENT_TOKEN}` }) => {
      const res = await fetch(url + path, { headers });
      expect(res.status, `${path}: ${res.status}`).toBe(200);
      return res.headers.get('content-type')?.includes('json') ? ((await res.json()) as unknown) : await res.text();
    };
    const out: Json = {};
    for (const id of artifacts) {
      const versions = (await get(`/api/v1/artifacts/${id}/versions`)) as { items: Array<{ n: number }> };
      const pages: Record<number, unknown> = {};
      for (const version of versions.items) pages[version.n] = await get(`/api/v1/artifacts/${id}/versions/${version.n}/content`);
      out[id] = {
        artifact: await get(`/api/v1/artifacts/${id}`),
        content: await get(`/api/v1/artifacts/${id}/content`),
        versions,
        pages,
        threads: await get(`/api/v1/artifacts/${id}/threads?status=all`),
        reviews: await get(`/api/v1/artifacts/${id}/reviews`),
      };
    }
    out.audit = await get('/api/v1/audit?limit=500', adminHeaders);
    out.invitations = await get('/api/v1/org/invitations', adminHeaders);
    out.members = await get('/api/v1/org/members', adminHeaders);
    // Links name the server they were read from.
    return JSON.parse(JSON.stringify(out).replace(/http:\/\/localhost:\d+/g, 'ORIGIN')) as Json;
  }

  beforeAll(async () => {
    target = await createTestDatabase('migrate_target');
    databases.push(target);

    // Phase 1: an embedded Loupe, written to through its API and a socket; rooms unload (and compact) after each use.
    const first: TestLoupe = await startTestLoupe({ dataDir, store: new SqliteStore(join(dataDir, 'loupe.db')) });
    const adminId = await first.userOfToken(AGENT_TOKEN);
    adminHeaders = await first.sessionHeaders(adminId);
    const alice = await first.sessionHeaders(await first.makeUser({ role: 'member', name: 'Alice' }));
    const as = (headers: Record<string, string>, path: string, init: { method?: string; json?: unknown } = {}) =>
      fetch(first.url + path, {
        method: init.method ?? 'GET',
        headers: { ...headers, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: init.json === undefined ? undefined : JSON.stringify(init.json),
      });
    const put = async (id: string, html: string) => {
      const res = await first.api(`/api/v1/artifacts/${id}/content`, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: html });
      expect(res.status, await res.clone().text()).toBe(200);
    };
    const checkpoint = async (id: string, message: string) => {
      const res = await first.api(`/api/v1/artifacts/${id}/versions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message }) });
      expect(res.status, await res.clone().text()).toBe(201);
    };

    const page = await first.createArtifact('<h1>Incident 7</h1>\n<p id="cause">MIGRATION-MARKER: the cache stampede.</p>');
    artifacts.push(page);
    await checkpoint(page, 'first draft');
    await put(page, '<h1>Incident 7</h1>\n<p id="cause">MIGRATION-MARKER: the cache stampede at 09:14.</p>\n<p id="fix">Request coalescing.</p>');
    await checkpoint(page, 'with the fix');
    const restored = await first.api(`/api/v1/artifacts/${page}/versions/1/restore`, { method: 'POST' });
    expect(restored.status, await restored.clone().text()).toBe(201);
    await put(page, '<h1>Incident 7</h1>\n<p id="cause">MIGRATION-MARKER: the cache stampede at 09:14 (restored, then edited).</p>');

    const big = await first.createArtifact('<p>soon big</p>');
    artifacts.push(big);
    await put(big, bigPage(2.5 * 1024 * 1024));
    await checkpoint(big, 'the big one');

    // Review: a pinned-to-page thread by a person, a reply by the agent, a reaction, a resolution, a review.
    const thread = (await (await as(alice, `/api/v1/artifacts/${page}/threads`, { method: 'POST', json: { text: 'Is 09:14 UTC? @admin' } })).json()) as { id: string; comments: Array<{ id: string }> };
    expect(thread.id).toBeTruthy();
    const reply = await first.api(`/api/v1/artifacts/${page}/threads/${thread.id}/replies`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'Yes, **UTC**.' }) });
    expect(reply.status, await reply.clone().text()).toBe(201);
    expect((await as(adminHeaders, `/api/v1/artifacts/${page}/comments/${thread.comments[0].id}/reactions/%2B1`, { method: 'PUT' })).status).toBeLessThan(300);
    expect((await as(alice, `/api/v1/artifacts/${page}/threads/${thread.id}`, { method: 'PATCH', json: { status: 'resolved' } })).status).toBe(200);
    const review = await as(alice, `/api/v1/artifacts/${page}/reviews`, { method: 'POST', json: { verdict: 'approve', summary: 'LGTM' } });
    expect(review.status, await review.clone().text()).toBe(201);

    // A token and an invitation made by a person through the API.
    const token = await as(adminHeaders, '/api/v1/tokens', { method: 'POST', json: { name: 'ci', scopes: ['artifacts:write', 'comments:write'], expiresInDays: null } });
    expect(token.status, await token.clone().text()).toBe(201);
    apiToken = ((await token.json()) as { token: string }).token;
    const invitation = await as(adminHeaders, '/api/v1/org/invitations', { method: 'POST', json: { role: 'member', email: 'new@example.com' } });
    expect(invitation.status, await invitation.clone().text()).toBe(201);

    // A live edit through a socket (acknowledged once another reader has it: rooms broadcast only what is durable).
    const writer = connectClient(first, page);
    const reader = connectClient(first, page);
    await Promise.all([whenSynced(writer), whenSynced(reader)]);
    writer.text.insert(writer.text.length, '\n<p>SOCKET-ONE edited live</p>');
    await until(() => reader.text.toString().includes('SOCKET-ONE'), 'the reader to get the live edit');
    writer.destroy();
    reader.destroy();
    await first.stop();

    // Phase 2: the same install as its own process, rooms kept loaded; killed at the end, so documents keep uncompacted tails.
    // An explicit sqlite: URL keeps it on the install's file whatever TEST_STORE says.
    const started = await spawnChildLoupe(dataDir, {
      DATABASE_URL: `sqlite:${join(dataDir, 'loupe.db')}`,
      ROOM_IDLE_UNLOAD_MS: '600000',
      VERSION_QUIET_MS: '3600000',
      LOUPE_ADMIN_EMAIL: ADMIN_EMAIL,
    });
    child = started.child;
    childUrl = started.url;
    const childOrigin = `http://localhost:${started.port}`;
    const api = (path: string, init: RequestInit = {}) => fetch(childUrl + path, { ...init, headers: { authorization: `Bearer ${apiToken}`, ...(init.headers as Record<string, string>) } });
    const created = await api('/api/v1/artifacts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Streamed', project: 'p', session: 's', html: '<p>streamed:' }) });
    expect(created.status, await created.clone().text()).toBe(201);
    const streamed = ((await created.json()) as { id: string }).id;
    artifacts.push(streamed);
    const publish = await fetch(`${childUrl}/api/v1/artifacts/${streamed}/publish`, { method: 'POST', headers: { ...adminHeaders, origin: childOrigin, 'content-type': 'application/json' }, body: JSON.stringify({ visibility: 'org' }) });
    expect(publish.status, await publish.clone().text()).toBe(200);
    const stream = await api(`/api/v1/artifacts/${streamed}/stream`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: ' one, two, three</p>' });
    expect(stream.status, await stream.clone().text()).toBe(200);
    const comment = await api(`/api/v1/artifacts/${streamed}/threads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'Agent note on the stream' }) });
    expect(comment.status, await comment.clone().text()).toBe(201);

    const fake = { wsUrl: `${childUrl.replace('http', 'ws')}/collab`, token: AGENT_TOKEN } as TestLoupe;
    const clients: TestClient[] = [connectClient(fake, page), connectClient(fake, page)];
    await Promise.all(clients.map(whenSynced));
    clients[0].text.insert(0, '<!-- SOCKET-TWO -->');
    await until(() => clients[1].text.toString().includes('SOCKET-TWO'), 'the second live edit');
    for (const client of clients) client.destroy();

    expected = await readBack(childUrl);
  }, 180_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    for (const database of databases) await database.drop();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses while a server has the SQLite file open, and touches nothing', async () => {
    const result = await loupeCli(['migrate', '--data-dir', dataDir, '--to', target.url]);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toMatch(/is open in another process: a Loupe server is running on it/);
    expect(await rowsIn(target.url)).toBe(0);
    // The server is unaffected.
    expect((await fetch(`${childUrl}/api/v1/artifacts/${artifacts[0]}/content`, { headers: { authorization: `Bearer ${AGENT_TOKEN}` } })).status).toBe(200);
  });

  it('moves the install into PostgreSQL, verified, and Loupe on PostgreSQL reads back everything', async () => {
    child!.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    child = null;

    // The install holds what the migration must handle: compacted documents, uncompacted tails, a 2+ MiB row.
    const peek = new Database(join(dataDir, 'loupe.db'), { readonly: true });
    const shape = peek
      .prepare(
        `SELECT (SELECT count(*) FROM docs) AS snapshots, (SELECT count(*) FROM doc_updates) AS updates,
           (SELECT count(DISTINCT doc_name) FROM doc_updates WHERE doc_name NOT IN (SELECT name FROM docs)) AS never_compacted,
           (SELECT max(length(snapshot)) FROM docs) AS biggest`,
      )
      .get() as { snapshots: number; updates: number; never_compacted: number; biggest: number };
    peek.close();
    expect(shape.snapshots).toBeGreaterThan(0);
    expect(shape.updates).toBeGreaterThan(0);
    expect(shape.never_compacted).toBeGreaterThan(0);
    expect(shape.biggest).toBeGreaterThan(2 * 1024 * 1024);

    const result = await loupeCli(['migrate', '--data-dir', dataDir, '--to', target.url]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    for (const section of ['tables:', 'audit:', 'documents:', 'versions:', 'keys:']) expect(result.stdout).toMatch(new RegExp(`verified ${section}`));
    expect(result.stdout).toMatch(/a live session's cookie and collab token, signed with each, resolve on PostgreSQL/);
    expect(result.stdout).toMatch(/done in [\d.]+ s/);

    // The keys: in a 0600 env file, never on the terminal.
    const fileKeys = readFileSync(join(dataDir, 'auth-secret'), 'utf8').split('\n').filter((line) => line && !line.startsWith('#'));
    for (const key of fileKeys) expect(result.stdout + result.stderr).not.toContain(key);
    const envFile = join(dataDir, 'postgres.env');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const env = Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(splitKeys(env.AUTH_SECRET)).toEqual(fileKeys);
    expect(env.DATABASE_URL).toBe(target.url);

    // Audit seqs and hashes byte for byte.
    const sqliteAudit = new Database(join(dataDir, 'loupe.db'), { readonly: true });
    const before = sqliteAudit.prepare('SELECT org_id, seq, prev_hash, hash, details FROM audit_log ORDER BY org_id, seq').all();
    sqliteAudit.close();
    const after = await sql(target.url, 'SELECT org_id, seq::int AS seq, prev_hash, hash, details FROM audit_log ORDER BY org_id, seq');
    expect(after).toEqual(before);

    // Loupe on PostgreSQL with the carried AUTH_SECRET: the same pages, versions, threads, audit; old credentials work.
    const pgDir = mkdtempSync(join(tmpdir(), 'loupe-migrated-'));
    scratch.push(pgDir);
    const onPg = await startTestLoupe({ dataDir: pgDir, store: new PostgresStore(target.url), env: { DATABASE_URL: target.url, AUTH_SECRET: env.AUTH_SECRET, LOUPE_ADMIN_EMAIL: ADMIN_EMAIL } });
    try {
      const actual = await readBack(onPg.url);
      // Reading is audited (artifact.view): the entries this read-back added on PostgreSQL come on top of the copied ones.
      const auditOf = (snapshot: Json) => (snapshot.audit as { items: Array<{ seq: number }> }).items;
      const copiedHead = Math.max(...auditOf(expected).map((entry) => entry.seq));
      expect(auditOf(actual).filter((entry) => entry.seq <= copiedHead)).toEqual(auditOf(expected));
      expect(auditOf(actual).length).toBeGreaterThan(auditOf(expected).length);
      for (const key of Object.keys(expected).filter((name) => name !== 'audit')) expect(JSON.stringify(actual[key]), key).toBe(JSON.stringify(expected[key]));
      const me = await fetch(`${onPg.url}/api/v1/me`, { headers: adminHeaders });
      expect(me.status).toBe(200);
      const withToken = await fetch(`${onPg.url}/api/v1/artifacts/${artifacts[0]}`, { headers: { authorization: `Bearer ${apiToken}` } });
      expect(withToken.status).toBe(200);
      const verified = (await (await fetch(`${onPg.url}/api/v1/audit/verify`, { headers: adminHeaders })).json()) as { ok: boolean };
      expect(verified.ok).toBe(true);

      // Writes continue after the copied seqs: an HTTP write and a socket edit on documents with copied tails.
      const put = await onPg.api(`/api/v1/artifacts/${artifacts[2]}/content`, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: '<p>after the move</p>' });
      expect(put.status, await put.clone().text()).toBe(200);
      const writer = connectClient(onPg, artifacts[0]);
      const reader = connectClient(onPg, artifacts[0]);
      await Promise.all([whenSynced(writer), whenSynced(reader)]);
      expect(writer.text.toString()).toBe((expected[artifacts[0]] as { content: string }).content);
      writer.text.insert(writer.text.length, '\n<p>SOCKET-THREE on PostgreSQL</p>');
      await until(() => reader.text.toString().includes('SOCKET-THREE'), 'a live edit on PostgreSQL');
      writer.destroy();
      reader.destroy();
      expect(await (await onPg.api(`/api/v1/artifacts/${artifacts[2]}/content`)).text()).toBe('<p>after the move</p>');
    } finally {
      await onPg.stop();
    }
  });

  it('refuses a PostgreSQL database that holds anything, and leaves it as it was', async () => {
    const rows = await rowsIn(target.url);
    const result = await loupeCli(['migrate', '--data-dir', dataDir, '--to', target.url]);
    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stderr).toMatch(/the PostgreSQL database is not empty \(orgs, users/);
    expect(await rowsIn(target.url)).toBe(rows);
  });

  describe('verification of a tampered copy', () => {
    // Each case tampers with the PostgreSQL copy by SQL (as someone with database access would), then restores it.
    const verify = () => loupeCli(['migrate', '--verify', '--data-dir', dataDir, '--to', target.url, '--env-path', join(dataDir, 'fresh.env')]);
    const orgOf = async () => (await sql<{ org_id: string }>(target.url, 'SELECT org_id FROM audit_log LIMIT 1'))[0].org_id;

    it('a copy as loupe migrate wrote it passes --verify', async () => {
      // Loupe on PostgreSQL wrote to the first copy (above): a second, untouched copy is the one tampered with below.
      const fresh = await createTestDatabase('migrate_verify');
      databases.push(fresh);
      const moved = await loupeCli(['migrate', '--data-dir', dataDir, '--to', fresh.url, '--env-path', join(dataDir, 'fresh.env')]);
      expect(moved.code, moved.stderr).toBe(0);
      target = fresh;
      const result = await verify();
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/nothing changed/);
    });

    it('an audit entry whose hash was changed', async () => {
      const orgId = await orgOf();
      await sql(target.url, 'ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
      await sql(target.url, "UPDATE audit_log SET hash = translate(hash, '0123456789abcdef', '123456789abcdef0') WHERE org_id = $1 AND seq = 2", [orgId]);
      try {
        const result = await verify();
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(`audit_log (org_id="${orgId}", seq=2): hash differs`);
        expect(result.stderr).toContain(`audit chain of org ${orgId}: entry #2 differs in hash`);
        expect(result.stderr).toMatch(/is broken at entry #2/);
        expect(result.stderr).toMatch(/left as it is/);
        expect(result.stdout).toMatch(/FAILED {3}audit:/);
      } finally {
        await sql(target.url, "UPDATE audit_log SET hash = translate(hash, '123456789abcdef0', '0123456789abcdef') WHERE org_id = $1 AND seq = 2", [orgId]);
        await sql(target.url, 'ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
      }
    });

    it('one byte of a document update', async () => {
      const [row] = await sql<{ doc_name: string; seq: string }>(target.url, "SELECT doc_name, seq::text FROM doc_updates WHERE position('SOCKET-TWO'::bytea IN data) > 0");
      expect(row).toBeDefined();
      const flip = (from: string, to: string) =>
        sql(target.url, `UPDATE doc_updates SET data = overlay(data PLACING $1::bytea FROM position($2::bytea IN data) FOR ${from.length}) WHERE doc_name = $3 AND seq = $4`, [to, from, row.doc_name, row.seq]);
      await flip('SOCKET-TWO', 'SOCKET-TWX');
      try {
        const result = await verify();
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(`doc_updates (seq=${row.seq}): data differs`);
        expect(result.stderr).toMatch(new RegExp(`document ${row.doc_name}: SQLite vs PostgreSQL differ in the bytes of update \\d+ of \\d+; content hash`));
      } finally {
        await flip('SOCKET-TWX', 'SOCKET-TWO');
      }
    });

    it('a version whose stored page was changed, and a row that went missing', async () => {
      const [delta] = await sql<{ artifact_id: string; n: string; data: Buffer }>(target.url, "SELECT artifact_id, n::text, data FROM versions WHERE keyframe = 0 AND position('\"'::bytea IN data) > 0 LIMIT 1");
      expect(delta).toBeDefined();
      const [reaction] = await sql<Json>(target.url, 'SELECT * FROM review_reactions LIMIT 1');
      await sql(target.url, `UPDATE versions SET data = overlay(data PLACING 'Z'::bytea FROM position('"'::bytea IN data) + 1 FOR 1) WHERE artifact_id = $1 AND n = $2`, [delta.artifact_id, delta.n]);
      await sql(target.url, 'DELETE FROM review_reactions WHERE comment_id = $1', [reaction.comment_id]);
      try {
        const result = await verify();
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(`versions (artifact_id="${delta.artifact_id}", n=${delta.n}): data differs`);
        expect(result.stderr).toMatch(new RegExp(`version ${delta.n} of ${delta.artifact_id}: its page rebuilt from PostgreSQL hashes to \\w+…, its recorded content hash is \\w+… \\(SQLite rebuilds it correctly\\)`));
        expect(result.stderr).toMatch(/review_reactions: 1 rows in SQLite, 0 in PostgreSQL/);
        expect(result.stderr).toContain(`review_reactions (comment_id="${String(reaction.comment_id)}", user_id="${String(reaction.user_id)}", reaction="${String(reaction.reaction)}"): in SQLite, missing from PostgreSQL`);
      } finally {
        await sql(target.url, 'UPDATE versions SET data = $3 WHERE artifact_id = $1 AND n = $2', [delta.artifact_id, delta.n, delta.data]);
        await sql(target.url, 'INSERT INTO review_reactions (comment_id, artifact_id, user_id, user_name, reaction, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
          reaction.comment_id, reaction.artifact_id, reaction.user_id, reaction.user_name, reaction.reaction, reaction.created_at,
        ]);
      }
      const clean = await verify();
      expect(clean.code, clean.stderr).toBe(0);
    });
  });

  describe('on a copy of the SQLite file', () => {
    const copyInstall = (): string => {
      const dir = mkdtempSync(join(tmpdir(), 'loupe-migrate-copy-'));
      scratch.push(dir);
      copyFileSync(join(dataDir, 'loupe.db'), join(dir, 'loupe.db'));
      copyFileSync(join(dataDir, 'auth-secret'), join(dir, 'auth-secret'));
      return dir;
    };

    it('carries a signing key an older version kept in the database into AUTH_SECRET, never into PostgreSQL', async () => {
      const dir = copyInstall();
      const legacyKey = `legacy-${'k'.repeat(40)}`;
      const db = new Database(join(dir, 'loupe.db'));
      db.prepare("INSERT INTO settings (key, value) VALUES ('auth_secret', ?)").run(legacyKey);
      db.close();
      const empty = await createTestDatabase('migrate_legacy');
      databases.push(empty);
      const result = await loupeCli(['migrate', '--data-dir', dir, '--to', empty.url]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout + result.stderr).not.toContain(legacyKey);
      const ring = /^AUTH_SECRET=(.*)$/m.exec(readFileSync(join(dir, 'postgres.env'), 'utf8'))![1].split(',');
      expect(ring.at(-1), JSON.stringify(ring)).toBe(legacyKey);
      expect(ring[0]).toBe(readFileSync(join(dir, 'auth-secret'), 'utf8').split('\n').find((line) => line && !line.startsWith('#')));
      expect(await sql(empty.url, "SELECT key FROM settings WHERE key = 'auth_secret'")).toEqual([]);
      const found = await sql<{ n: string }>(empty.url, 'SELECT count(*) AS n FROM settings WHERE value = $1', [legacyKey]);
      expect(found[0].n).toBe('0');
    });

    it('gives an install that never made a signing key a new one, and --verify checks that one', async () => {
      const dir = copyInstall();
      rmSync(join(dir, 'auth-secret'));
      const empty = await createTestDatabase('migrate_nokey');
      databases.push(empty);
      const moved = await loupeCli(['migrate', '--data-dir', dir, '--to', empty.url]);
      expect(moved.code, moved.stdout + moved.stderr).toBe(0);
      expect(moved.stdout).toMatch(/a new signing key \(the install had none\) is in/);
      const verified = await loupeCli(['migrate', '--verify', '--data-dir', dir, '--to', empty.url]);
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    });

    it('with AUTH_SECRET in the shell, still carries the key file (sessions the server signed with it stay valid)', async () => {
      const dir = copyInstall();
      const shellKey = `shell-${'s'.repeat(40)}`;
      const empty = await createTestDatabase('migrate_envkey');
      databases.push(empty);
      const result = await loupeCli(['migrate', '--data-dir', dir, '--to', empty.url], { AUTH_SECRET: shellKey });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const ring = /^AUTH_SECRET=(.*)$/m.exec(readFileSync(join(dir, 'postgres.env'), 'utf8'))![1].split(',');
      const fileKey = readFileSync(join(dir, 'auth-secret'), 'utf8').split('\n').find((line) => line && !line.startsWith('#'));
      expect(ring).toEqual([shellKey, fileKey]);
      expect(result.stdout).toMatch(/2 key\(s\) carried; a live session's cookie and collab token, signed with each, resolve on PostgreSQL/);
    });

    it('a server started while loupe migrate holds the file refuses to start', async () => {
      const dir = copyInstall();
      const holder = openSqliteSource(join(dir, 'loupe.db'));
      try {
        await expect(spawnChildLoupe(dir, { DATABASE_URL: `sqlite:${join(dir, 'loupe.db')}` })).rejects.toThrow(/exited early/);
      } finally {
        await holder.close();
      }
    });

    it('refuses a file with a table it does not know how to copy, before writing anything', async () => {
      const dir = copyInstall();
      const db = new Database(join(dir, 'loupe.db'));
      db.exec('CREATE TABLE plugin_notes (id TEXT PRIMARY KEY, body TEXT)');
      db.close();
      const empty = await createTestDatabase('migrate_unknown');
      databases.push(empty);
      const result = await loupeCli(['migrate', '--data-dir', dir, '--to', empty.url]);
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr).toMatch(/table plugin_notes of the SQLite file is unknown to this version of loupe migrate/);
      expect(await rowsIn(empty.url)).toBe(0);
    });

    it('rolls everything back when a row cannot be copied (all or nothing)', async () => {
      const dir = copyInstall();
      const db = new Database(join(dir, 'loupe.db'));
      // PostgreSQL text cannot hold NUL; SQLite's can. The copy fails at review_reactions, after most tables went in…
      db.prepare("UPDATE review_reactions SET user_name = 'Ad' || char(0) || 'min'").run();
      db.close();
      const empty = await createTestDatabase('migrate_rollback');
      databases.push(empty);
      const result = await loupeCli(['migrate', '--data-dir', dir, '--to', empty.url]);
      expect(result.code, result.stdout).toBe(1);
      expect(result.stderr).toMatch(/copying review_reactions .*The copy was rolled back: the PostgreSQL database is as it was/);
      // …and nothing of the earlier tables stayed.
      expect(await rowsIn(empty.url)).toBe(0);
    });
  });
});
