import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { hashPassword } from '../../lib/auth/passwords';
import { CloseCode } from '../../lib/protocol/close-codes';
import { getAuthRuntime } from '../../lib/runtime';
import { auditVerify } from '../../server/admin/audit-verify';
import { databaseUrlOf, startTestLoupe, type TestLoupe } from '../helpers/loupe';

/**
 * Password checks (sign-in and the current password on a change) share one
 * budget per account and per address, taken before scrypt runs; a password
 * change ends every other session and is audited.
 */

const PASSWORD = 'the old long password';
const NEW_PASSWORD = 'a brand new long password';

let loupe: TestLoupe | null = null;
afterEach(async () => {
  await loupe?.stop();
  loupe = null;
});

async function start(signInPerMinute: number): Promise<TestLoupe> {
  loupe = await startTestLoupe({ env: { RATE_LIMIT_SIGNIN_PER_MIN: String(signInPerMinute) } });
  return loupe;
}

/** A member of the first org who signs in with a password. */
async function personWithPassword(server: TestLoupe): Promise<{ userId: string; email: string }> {
  const userId = randomUUID();
  const email = `${userId}@example.com`;
  await server.store.createUser({ id: userId, email, name: 'Pat', passwordHash: await hashPassword(PASSWORD), createdAt: Date.now() });
  await server.store.putMembership({ orgId: await server.orgId(), userId, role: 'member', createdAt: Date.now() });
  return { userId, email };
}

function changePassword(server: TestLoupe, session: Record<string, string>, currentPassword: string, newPassword = NEW_PASSWORD) {
  return fetch(`${server.url}/api/v1/me/password`, {
    method: 'POST',
    headers: { ...session, 'content-type': 'application/json' },
    body: JSON.stringify({ currentPassword, newPassword }),
  });
}

/** A live socket on an artifact's room, signed in through a collab token of this session. */
async function liveSocket(server: TestLoupe, session: Record<string, string>, artifactId: string) {
  const res = await fetch(`${server.url}/api/collab-token`, { method: 'POST', headers: session });
  expect(res.status).toBe(200);
  const { token } = (await res.json()) as { token: string };
  const ws = new WebSocket(`${server.wsUrl}/${artifactId}?token=${encodeURIComponent(token)}`);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, closed };
}

function count(results: Array<{ reason?: string; ok: boolean }>) {
  return {
    checked: results.filter((r) => !r.ok && r.reason === 'invalid').length,
    limited: results.filter((r) => !r.ok && r.reason === 'rate_limited').length,
  };
}

describe('password checks are limited before they run', () => {
  it('runs at most the account’s capacity of password checks for 40 parallel wrong sign-ins', async () => {
    const server = await start(10);
    const { email } = await personWithPassword(server);
    const runtime = getAuthRuntime();
    // Successful sign-ins give their budget back: more of them than the capacity all get in.
    for (let i = 0; i < 12; i++) expect(await runtime.authenticate(email, PASSWORD, { ip: '192.0.2.44', userAgent: null })).toMatchObject({ ok: true });
    // Distinct addresses, so only the per-account bucket (capacity 10) can stop them.
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => runtime.authenticate(email, 'wrong password!', { ip: `198.51.100.${i + 1}`, userAgent: null })),
    );
    const { checked, limited } = count(results);
    expect(checked).toBeLessThanOrEqual(10);
    expect(checked).toBeGreaterThan(0);
    expect(checked + limited).toBe(40);
  });

  it('runs at most the address’s capacity of password checks for 40 parallel wrong sign-ins to different accounts', async () => {
    await start(10);
    const runtime = getAuthRuntime();
    // One address (capacity 20), every attempt a different account.
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => runtime.authenticate(`nobody${i}@example.com`, 'wrong password!', { ip: '203.0.113.7', userAgent: null })),
    );
    const { checked } = count(results);
    expect(checked).toBeLessThanOrEqual(20);
  });
});

describe('changing the password', () => {
  it('ends every other session (their live sockets close with REVOKED), keeps this one, and is audited', async () => {
    const server = await start(10);
    const { userId, email } = await personWithPassword(server);
    const here = await server.sessionHeaders(userId);
    const elsewhere = await server.sessionHeaders(userId);
    const artifactId = await server.createArtifact('<p>shared</p>');
    const hereSocket = await liveSocket(server, here, artifactId);
    const elsewhereSocket = await liveSocket(server, elsewhere, artifactId);

    expect((await changePassword(server, here, PASSWORD)).status).toBe(204);

    // The other session's socket is closed at once, and its next request is refused.
    expect(await elsewhereSocket.closed).toBe(CloseCode.REVOKED);
    expect((await fetch(`${server.url}/api/v1/me`, { headers: elsewhere })).status).toBe(401);
    // This session carries on, socket included.
    expect((await fetch(`${server.url}/api/v1/me`, { headers: here })).status).toBe(200);
    expect(hereSocket.ws.readyState).toBe(WebSocket.OPEN);
    hereSocket.ws.close();

    // Only the new password signs in.
    const runtime = getAuthRuntime();
    expect(await runtime.authenticate(email, NEW_PASSWORD, { ip: '192.0.2.1', userAgent: null })).toMatchObject({ ok: true });
    expect(await runtime.authenticate(email, PASSWORD, { ip: '192.0.2.1', userAgent: null })).toMatchObject({ ok: false, reason: 'invalid' });

    const changes = await server.store.listAudit({ orgId: await server.orgId(), action: 'auth.password_change', limit: 10 });
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ actorId: userId, targetId: userId, details: { otherSessionsEnded: 1 } });
    const lines: string[] = [];
    expect(await auditVerify({ databaseUrl: databaseUrlOf(server.dataDir) }, (line) => lines.push(line))).toBe(0);
  });

  it('limits the current-password check per account: 429 with Retry-After, even for the right password', async () => {
    const server = await start(4);
    const { userId } = await personWithPassword(server);
    const session = await server.sessionHeaders(userId);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await changePassword(server, session, `wrong guess ${i}`)).status);
    expect(statuses).toEqual([403, 403, 403, 403, 429]);
    const limited = await changePassword(server, session, PASSWORD);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await limited.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toMatch(/Try again in \d+ s/);
    // Nothing changed.
    expect((await server.store.listAudit({ orgId: await server.orgId(), action: 'auth.password_change', limit: 10 })).length).toBe(0);
  });

  it('shares the budget with sign-ins and limits it per address across accounts, also in parallel', async () => {
    const server = await start(4);
    // Address capacity 8: three accounts (capacity 4 each) guessed from the same address.
    const sessions = [];
    for (let i = 0; i < 3; i++) sessions.push(await server.sessionHeaders((await personWithPassword(server)).userId));
    const statuses = await Promise.all(
      sessions.flatMap((session) => Array.from({ length: 10 }, (_, i) => changePassword(server, session, `wrong guess ${i}`).then((res) => res.status))),
    );
    expect(statuses.filter((status) => status === 403).length).toBeLessThanOrEqual(8);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(22);
    // Sign-ins from that address are refused too: one budget for every password door.
    const runtime = getAuthRuntime();
    const { email } = await personWithPassword(server);
    expect(await runtime.authenticate(email, PASSWORD, { ip: '127.0.0.1', userAgent: null })).toMatchObject({ reason: 'rate_limited' });
  });
});
