import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { encode } from 'next-auth/jwt';
import { loadConfig } from '../../server/config';
import { startLoupeServer, type LoupeServer } from '../../server/loupe-server';
import { createLogger } from '../../server/log';
import { sessionCookieName } from '../../server/auth/identify';
import { bootstrapFirstStart } from '../../server/auth/bootstrap';
import { SqliteStore } from '../../lib/store/sqlite';
import { signClaims, verifyClaims } from '../../lib/auth/tokens';
import { getAuthRuntime } from '../../lib/runtime';
import { CloseCode } from '../../lib/protocol/close-codes';
import { runAdminCommand } from '../../server/admin/index';
import { ADMIN_EMAIL, ADMIN_PASSWORD, AGENT_TOKEN } from '../helpers/loupe';

/**
 * Secrets at rest: DATA_DIR is 0700 and every file in it 0600 (loose ones
 * are tightened at start, with a warning), the signing key lives in its own
 * file and never in the database, and rotating it signs nobody out.
 */

const roots: string[] = [];
const running: LoupeServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.stop();
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A DATA_DIR that does not exist yet (the server creates it), inside a fresh temp folder. */
function freshDataDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'loupe-secrets-'));
  roots.push(root);
  return join(root, 'data');
}

interface Started {
  server: LoupeServer;
  url: string;
  logs: string[];
}

async function start(dataDir: string, env: Record<string, string> = {}): Promise<Started> {
  const logs: string[] = [];
  const config = loadConfig({
    PORT: '0',
    SANDBOX_PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOUPE_ADMIN_EMAIL: ADMIN_EMAIL,
    LOUPE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOUPE_AGENT_TOKEN: AGENT_TOKEN,
    ROOM_IDLE_UNLOAD_MS: '0',
    ...env,
  });
  const server = await startLoupeServer({ config, logger: createLogger('info', (line) => logs.push(line)) });
  running.push(server);
  return { server, url: `http://127.0.0.1:${new URL(server.appOrigin).port}`, logs };
}

async function stop(started: Started): Promise<void> {
  await started.server.stop();
  running.splice(running.indexOf(started.server), 1);
}

const modeOf = (path: string) => statSync(path).mode & 0o777;
/** A server-side command of the `loupe` binary (bin/loupe.mjs dispatches `secret` here); its errors go to stderr. */
const adminCommand = (argv: string[]) => runAdminCommand(argv, { out: () => {}, err: (line) => process.stderr.write(`${line}\n`) });

/** A session row for the admin and its next-auth cookie, encrypted the way next-auth does with these keys. */
async function adminSession(started: Started, secret: string | string[]): Promise<{ cookie: string; sid: string; userId: string }> {
  const store = started.server.services.store;
  const user = await store.getUserByEmail(ADMIN_EMAIL);
  const sid = randomUUID();
  await store.createSession({ id: sid, userId: user!.id, createdAt: Date.now(), expiresAt: Date.now() + 3600_000, revokedAt: null });
  const name = sessionCookieName(started.server.appOrigin);
  const jwt = await encode({ token: { sid, uid: user!.id }, secret, salt: name });
  return { cookie: `${name}=${jwt}`, sid, userId: user!.id };
}

const me = (started: Started, cookie: string) => fetch(`${started.url}/api/v1/me`, { headers: { cookie } }).then((res) => res.status);

/** A room socket with a collab token: 'open' once the room answers its sync step 1, or the close code it was refused with. */
async function socketWith(started: Started, artifactId: string, token: string): Promise<'open' | number> {
  const ws = new WebSocket(`ws://127.0.0.1:${new URL(started.url).port}/collab/${artifactId}?token=${encodeURIComponent(token)}`);
  return new Promise((resolve) => {
    ws.once('open', () => {
      const step1 = encoding.createEncoder();
      encoding.writeVarUint(step1, 0);
      syncProtocol.writeSyncStep1(step1, new Y.Doc());
      ws.send(encoding.toUint8Array(step1));
    });
    ws.once('message', () => {
      ws.close();
      resolve('open');
    });
    ws.once('close', (code) => resolve(code));
  });
}

async function draftArtifact(started: Started): Promise<string> {
  const res = await fetch(`${started.url}/api/v1/artifacts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Secrets', project: 'tests', session: 's1', html: '<p>hi</p>' }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** Every byte SQLite keeps for the database: the file, its WAL and shared memory. */
function databaseBytes(dataDir: string): Buffer {
  const parts = ['', '-wal', '-shm'].map((suffix) => join(dataDir, `loupe.db${suffix}`)).filter((path) => existsSync(path));
  return Buffer.concat(parts.map((path) => readFileSync(path)));
}

function keyFileKeys(dataDir: string): string[] {
  return readFileSync(join(dataDir, 'auth-secret'), 'utf8')
    .split('\n')
    .filter((line) => line && !line.startsWith('#'));
}

describe('files at rest', () => {
  it('creates DATA_DIR 0700 and the database, its -wal and -shm, and the key file 0600; the key is in no table', async () => {
    const dataDir = freshDataDir();
    const started = await start(dataDir);
    // A write, so the WAL holds pages while the server runs.
    await draftArtifact(started);
    expect(modeOf(dataDir)).toBe(0o700);
    for (const name of ['loupe.db', 'loupe.db-wal', 'loupe.db-shm', 'auth-secret']) expect(modeOf(join(dataDir, name)), name).toBe(0o600);
    const [key] = keyFileKeys(dataDir);
    expect(key).toBe(started.server.services.authSecret);
    expect(databaseBytes(dataDir).includes(key)).toBe(false);
    await stop(started);
    expect(databaseBytes(dataDir).includes(key)).toBe(false);
  });

  it('tightens a loose DATA_DIR and its files at start, warning with each path', async () => {
    const dataDir = freshDataDir();
    await stop(await start(dataDir));
    // Another reader keeps -wal and -shm in place while the server is down, as after a crash.
    const db = new Database(join(dataDir, 'loupe.db'));
    try {
      db.prepare('SELECT count(*) FROM users').get();
      const paths = [join(dataDir, 'loupe.db'), join(dataDir, 'loupe.db-wal'), join(dataDir, 'loupe.db-shm'), join(dataDir, 'auth-secret')];
      chmodSync(dataDir, 0o755);
      for (const path of paths) chmodSync(path, 0o644);
      const started = await start(dataDir);
      expect(modeOf(dataDir)).toBe(0o700);
      for (const path of paths) expect(modeOf(path), path).toBe(0o600);
      const warnings = started.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.level === 'warn');
      const warned = warnings.map((entry) => entry.path);
      for (const path of [dataDir, ...paths]) expect(warned, path).toContain(path);
      expect(warnings.find((entry) => entry.path === dataDir)).toMatchObject({ was: '0755', now: '0700' });
      await stop(started);
    } finally {
      db.close();
    }
  });
});

describe('the signing key leaves the database', () => {
  it('moves a key an earlier version stored in the database into the key file: sessions and collab tokens made before keep working', async () => {
    const dataDir = freshDataDir();
    // The database as the earlier version left it: the key in `settings`, a signed-in admin, loose modes.
    const legacyKey = randomBytes(32).toString('base64url');
    const store = new SqliteStore(join(dataDir, 'loupe.db'));
    await bootstrapFirstStart(store, { adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD, agentToken: AGENT_TOKEN, now: Date.now() });
    await store.setSetting('auth_secret', legacyKey);
    const admin = await store.getUserByEmail(ADMIN_EMAIL);
    const orgId = (await store.listMembershipsOfUser(admin!.id))[0].orgId;
    const sid = randomUUID();
    await store.createSession({ id: sid, userId: admin!.id, createdAt: Date.now(), expiresAt: Date.now() + 3600_000, revokedAt: null });
    await store.close();
    chmodSync(join(dataDir, 'loupe.db'), 0o644);
    expect(databaseBytes(dataDir).includes(legacyKey)).toBe(true);

    const started = await start(dataDir);
    const name = sessionCookieName(started.server.appOrigin);
    const cookie = `${name}=${await encode({ token: { sid, uid: admin!.id }, secret: legacyKey, salt: name })}`;
    const collab = signClaims({ typ: 'collab', sid, org: orgId, exp: Math.floor(Date.now() / 1000) + 300 }, legacyKey);
    // The key moved, it did not change.
    expect(started.server.services.authSecret).toBe(legacyKey);
    expect(keyFileKeys(dataDir)).toEqual([legacyKey]);
    expect(modeOf(join(dataDir, 'auth-secret'))).toBe(0o600);
    expect(await me(started, cookie)).toBe(200);
    expect(await socketWith(started, await draftArtifact(started), collab)).toBe('open');
    // Gone from the database: no row, and no copy in the file, its WAL or freed pages.
    expect(await started.server.services.store.getSetting('auth_secret')).toBeNull();
    expect(databaseBytes(dataDir).includes(legacyKey)).toBe(false);
    await stop(started);
    expect(databaseBytes(dataDir).includes(legacyKey)).toBe(false);

    // The next start reads the file.
    const again = await start(dataDir);
    expect(await me(again, cookie)).toBe(200);
  });
});

describe('rotating the signing key', () => {
  const K1 = 'k1-' + 'a'.repeat(40);
  const K2 = 'k2-' + 'b'.repeat(40);

  it('AUTH_SECRET="new,old": sessions and collab tokens signed with the old key still verify; new ones use the new key', async () => {
    const dataDir = freshDataDir();
    const before = await start(dataDir, { AUTH_SECRET: K1 });
    const old = await adminSession(before, K1);
    const artifactId = await draftArtifact(before);
    const tokenRes = await fetch(`${before.url}/api/collab-token`, { method: 'POST', headers: { cookie: old.cookie, origin: before.server.appOrigin } });
    expect(tokenRes.status).toBe(200);
    const oldCollab = ((await tokenRes.json()) as { token: string }).token;
    await stop(before);

    const rotated = await start(dataDir, { AUTH_SECRET: `${K2},${K1}` });
    expect(await me(rotated, old.cookie)).toBe(200);
    expect(await socketWith(rotated, artifactId, oldCollab)).toBe('open');
    // New collab tokens are signed with the new key only.
    const fresh = await fetch(`${rotated.url}/api/collab-token`, { method: 'POST', headers: { cookie: old.cookie, origin: rotated.server.appOrigin } });
    expect(fresh.status, await fresh.clone().text()).toBe(200);
    const newCollab = ((await fresh.json()) as { token: string }).token;
    expect(verifyClaims(newCollab, K2, Date.now())).not.toBeNull();
    expect(verifyClaims(newCollab, K1, Date.now())).toBeNull();
    // next-auth is handed the ring, new key first (it encrypts with the first and decrypts with any).
    expect(getAuthRuntime().authSecrets).toEqual([K2, K1]);
    const newSession = await adminSession(rotated, getAuthRuntime().authSecrets);
    expect(await me(rotated, newSession.cookie)).toBe(200);
    await stop(rotated);

    // The same ring written as AUTH_SECRET + AUTH_SECRET_PREVIOUS.
    const split = await start(dataDir, { AUTH_SECRET: K2, AUTH_SECRET_PREVIOUS: K1 });
    expect(await me(split, old.cookie)).toBe(200);
    expect(await me(split, newSession.cookie)).toBe(200);
    await stop(split);

    // Once the old key is retired, what it signed is no longer a session; what the new key signed is.
    const retired = await start(dataDir, { AUTH_SECRET: K2 });
    expect(await me(retired, old.cookie)).toBe(401);
    expect(await me(retired, newSession.cookie)).toBe(200);
    expect(await socketWith(retired, artifactId, oldCollab)).toBe(CloseCode.UNAUTHORIZED);
  });

  it('`loupe secret rotate` on the key file: the old key keeps verifying until `loupe secret retire`', async () => {
    const dataDir = freshDataDir();
    const before = await start(dataDir);
    const firstKey = before.server.services.authSecret;
    const old = await adminSession(before, firstKey);
    await stop(before);

    expect(await adminCommand(['secret', 'rotate', '--data-dir', dataDir])).toBe(0);
    expect(modeOf(join(dataDir, 'auth-secret'))).toBe(0o600);
    const rotated = await start(dataDir);
    expect(rotated.server.services.authSecret).not.toBe(firstKey);
    expect(rotated.server.services.authSecrets).toEqual([rotated.server.services.authSecret, firstKey]);
    expect(await me(rotated, old.cookie)).toBe(200);
    const fresh = await adminSession(rotated, [...rotated.server.services.authSecrets]);
    await stop(rotated);

    expect(await adminCommand(['secret', 'retire', '--data-dir', dataDir])).toBe(0);
    const retired = await start(dataDir);
    expect(await me(retired, old.cookie)).toBe(401);
    expect(await me(retired, fresh.cookie)).toBe(200);
  });
});
