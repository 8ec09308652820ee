import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCode } from '../../lib/protocol/close-codes';
import { getAuthRuntime } from '../../lib/runtime';
import { runRetentionSweep } from '../../server/governance/retention';
import { auditVerify } from '../../server/admin/audit-verify';
import { databaseUrlOf, rawSql, startTestLoupe, type TestLoupe } from '../helpers/loupe';

/** A raw socket on a room: resolves `opened`, and `closed` with the code and when it came. */
function openSocket(loupe: TestLoupe, path: string) {
  const ws = new WebSocket(`${loupe.wsUrl}${path}`);
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const closed = new Promise<{ code: number; at: number }>((resolve) => ws.once('close', (code) => resolve({ code, at: Date.now() })));
  return { ws, opened, closed };
}

/** Resolves with the close, or rejects after `ms` (the promise the product makes, not a sleep). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
}

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

describe('governance', () => {
  let loupe: TestLoupe;
  let adminId: string;
  let admin: Record<string, string>;

  /** A request as a signed-in person (cookie + Origin). */
  const as = (headers: Record<string, string>, path: string, init: RequestInit = {}) =>
    fetch(loupe.url + path, {
      ...init,
      headers: { ...headers, ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string>) },
    });

  const auditActions = async () => (await loupe.store.readAuditChain(await loupe.orgId(), 0, 10_000)).map((e) => e.action);

  beforeAll(async () => {
    loupe = await startTestLoupe({ env: { RATE_LIMIT_TOKEN_PER_MIN: '40', RATE_LIMIT_SIGNIN_PER_MIN: '4' } });
    adminId = await loupe.userOfToken(loupe.token);
    admin = await loupe.sessionHeaders(adminId);
  });
  afterAll(async () => {
    await loupe.stop();
  });

  it('keeps an agent’s artifact a draft only its user sees, until a person publishes it', async () => {
    const memberId = await loupe.makeUser({ role: 'member' });
    const member = await loupe.sessionHeaders(memberId);
    const id = await loupe.createArtifact('<p>draft</p>', undefined, { draft: true });
    expect((await as(member, `/api/v1/artifacts/${id}`)).status).toBe(404);
    expect((await json(await as(admin, `/api/v1/artifacts/${id}`))).status).toBe('draft');
    // The agent itself cannot approve its own work.
    expect((await loupe.api(`/api/v1/artifacts/${id}/publish`, { method: 'POST' })).status).toBe(403);
    const published = await as(admin, `/api/v1/artifacts/${id}/publish`, { method: 'POST', body: JSON.stringify({ visibility: 'org' }) });
    expect(published.status).toBe(200);
    expect((await json(await as(member, `/api/v1/artifacts/${id}`))).status).toBe('published');
    const actions = await auditActions();
    expect(actions).toContain('artifact.create');
    expect(actions).toContain('artifact.publish');
  });

  it('routes drafts to admins for approval when only admins may publish', async () => {
    expect((await as(admin, '/api/v1/org', { method: 'PATCH', body: JSON.stringify({ publishRole: 'admin' }) })).status).toBe(200);
    try {
      const memberId = await loupe.makeUser({ role: 'member' });
      const member = await loupe.sessionHeaders(memberId);
      const created = await json(await as(member, '/api/v1/artifacts', { method: 'POST', body: JSON.stringify({ title: 'Needs approval' }) }));
      const id = String(created.id);
      expect(created.status).toBe('draft');
      expect(created.can).toMatchObject({ publish: false, requestPublication: true });
      expect((await as(admin, `/api/v1/artifacts/${id}`)).status).toBe(404);
      expect((await as(member, `/api/v1/artifacts/${id}/publish`, { method: 'POST', body: '{}' })).status).toBe(403);
      expect((await as(member, `/api/v1/artifacts/${id}/request-publication`, { method: 'POST' })).status).toBe(200);
      expect((await json(await as(admin, `/api/v1/artifacts/${id}`))).can).toMatchObject({ publish: true });
      expect((await as(admin, `/api/v1/artifacts/${id}/publish`, { method: 'POST', body: '{}' })).status).toBe(200);
    } finally {
      await as(admin, '/api/v1/org', { method: 'PATCH', body: JSON.stringify({ publishRole: 'member' }) });
    }
  });

  it('closes a revoked token’s live socket at once', async () => {
    const id = await loupe.createArtifact('<p>live</p>');
    const agentUser = await loupe.makeUser({ role: 'member' });
    const owner = await loupe.sessionHeaders(agentUser);
    const created = await json(
      await as(owner, '/api/v1/tokens', { method: 'POST', body: JSON.stringify({ name: 'ci bot', scopes: ['artifacts:write'], expiresInDays: 7 }) }),
    );
    const socket = openSocket(loupe, `/${id}?token=${String(created.token)}`);
    await socket.opened;
    const revokedAt = Date.now();
    expect((await as(owner, `/api/v1/tokens/${String(created.id)}`, { method: 'DELETE' })).status).toBe(204);
    const closed = await within(socket.closed, 5_000, 'closing the revoked token’s socket');
    expect(closed.code).toBe(CloseCode.REVOKED);
    expect(closed.at - revokedAt).toBeLessThan(5_000);
    expect((await loupe.api('/api/v1/me', { token: String(created.token) })).status).toBe(401);
  });

  it('closes a removed member’s live socket within 5 seconds and revokes their tokens', async () => {
    const id = await loupe.createArtifact('<p>live</p>');
    const memberId = await loupe.makeUser({ role: 'member' });
    const member = await loupe.sessionHeaders(memberId);
    const { token } = (await json(await as(member, '/api/collab-token', { method: 'POST' }))) as { token: string };
    const agent = await json(await as(member, '/api/v1/tokens', { method: 'POST', body: JSON.stringify({ name: 'mine', scopes: [], expiresInDays: null }) }));
    const socket = openSocket(loupe, `/${id}?token=${encodeURIComponent(token)}`);
    await socket.opened;
    const removedAt = Date.now();
    expect((await as(admin, `/api/v1/org/members/${memberId}`, { method: 'DELETE' })).status).toBe(204);
    const closed = await within(socket.closed, 5_000, 'closing the removed member’s socket');
    expect(closed.code).toBe(CloseCode.REVOKED);
    expect(closed.at - removedAt).toBeLessThan(5_000);
    expect((await as(member, '/api/v1/me')).status).toBe(401);
    expect((await loupe.api('/api/v1/me', { token: String(agent.token) })).status).toBe(401);
    expect(await auditActions()).toContain('member.remove');
  });

  it('closes a socket whose artifact stopped being visible to it (the periodic re-check)', async () => {
    const id = await loupe.createArtifact('<p>shared</p>');
    const viewerId = await loupe.makeUser({ role: 'viewer' });
    const viewer = await loupe.sessionHeaders(viewerId);
    const { token } = (await json(await as(viewer, '/api/collab-token', { method: 'POST' }))) as { token: string };
    const socket = openSocket(loupe, `/${id}?token=${encodeURIComponent(token)}`);
    await socket.opened;
    const access = await as(admin, `/api/v1/artifacts/${id}/access`, { method: 'PUT', body: JSON.stringify({ visibility: 'members', members: [] }) });
    expect(access.status).toBe(200);
    expect((await within(socket.closed, 5_000, 'closing the socket of someone who lost access')).code).toBe(CloseCode.NOT_FOUND);
  });

  it('runs invitations end to end: single use, audited, and never above the inviter', async () => {
    const created = await as(admin, '/api/v1/org/invitations', { method: 'POST', body: JSON.stringify({ role: 'member', email: 'new@example.com' }) });
    expect(created.status).toBe(201);
    const { url } = (await created.json()) as { url: string };
    const secret = url.split('/invite/')[1];
    const described = await fetch(`${loupe.url}/api/v1/invitations/${secret}`);
    expect(await described.json()).toMatchObject({ role: 'member', email: 'new@example.com' });
    const accept = (body: unknown) =>
      fetch(`${loupe.url}/api/v1/invitations/${secret}/accept`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await accept({ name: 'New', email: 'other@example.com', password: 'long enough password' })).status).toBe(400);
    expect((await accept({ name: 'New', email: 'new@example.com', password: 'short' })).status).toBe(400);
    const joined = await accept({ name: 'New', email: 'new@example.com', password: 'long enough password', role: 'owner' });
    expect(joined.status).toBe(201);
    const user = await loupe.store.getUserByEmail('new@example.com');
    expect(await loupe.store.getMembership(await loupe.orgId(), user!.id)).toMatchObject({ role: 'member' });
    expect((await accept({ name: 'Again', email: 'new@example.com', password: 'long enough password' })).status).toBe(410);
    expect((await fetch(`${loupe.url}/api/v1/invitations/${secret}`)).status).toBe(410);
    expect(await auditActions()).toEqual(expect.arrayContaining(['member.invite', 'member.join']));
    // An admin cannot mint an owner invitation.
    const adminUser = await loupe.sessionHeaders(await loupe.makeUser({ role: 'admin' }));
    expect((await as(adminUser, '/api/v1/org/invitations', { method: 'POST', body: JSON.stringify({ role: 'owner' }) })).status).toBe(403);
  });

  it('binds an invitation made for one address to that account, however the accepter arrives', async () => {
    const orgId = await loupe.orgId();
    const invite = async (body: Record<string, unknown>) => {
      const res = await as(admin, '/api/v1/org/invitations', { method: 'POST', body: JSON.stringify(body) });
      expect(res.status).toBe(201);
      const { id, url } = (await res.json()) as { id: string; url: string };
      return { id, secret: url.split('/invite/')[1] };
    };
    const acceptAs = (session: Record<string, string>, secret: string) =>
      fetch(`${loupe.url}/api/v1/invitations/${secret}/accept`, { method: 'POST', headers: session });
    const person = async (email: string, orgOfTheirOwn = true) => {
      const id = crypto.randomUUID();
      await loupe.store.createUser({ id, email, name: `Person ${email}`, passwordHash: null, createdAt: Date.now() });
      if (orgOfTheirOwn) {
        const other = crypto.randomUUID();
        await loupe.store.createOrg({ id: other, name: 'Their own org', createdAt: Date.now() });
        await loupe.store.putMembership({ orgId: other, userId: id, role: 'owner', createdAt: Date.now() });
      }
      return { id, session: await loupe.sessionHeaders(id) };
    };

    // The reported case: a signed-in owner of another org takes an admin invitation meant for someone else.
    const meant = await invite({ role: 'admin', email: 'victim@example.com' });
    const intruder = await person('intruder@example.com');
    const joinsBefore = (await auditActions()).filter((a) => a === 'member.join').length;
    const refused = await acceptAs(intruder.session, meant.secret);
    expect(refused.status).toBe(403);
    const body = (await refused.json()) as { error: { code: string; message: string; details?: { reason?: string } } };
    expect(body.error).toMatchObject({ code: 'forbidden', details: { reason: 'invitation_email_mismatch' } });
    // The refusal names no address (the link's own page already shows who it is for).
    expect(body.error.message).not.toContain('victim@example.com');
    expect(body.error.message).not.toContain('intruder@example.com');
    expect(refused.headers.get('set-cookie')).toBeNull();
    expect(await loupe.store.getMembership(orgId, intruder.id)).toBeNull();
    expect(await loupe.store.getInvitation(meant.id)).toMatchObject({ acceptedAt: null, acceptedBy: null });
    expect((await auditActions()).filter((a) => a === 'member.join').length).toBe(joinsBefore);
    // An account in no organization yet (e.g. fresh from an identity provider) is refused the same way.
    const orphan = await person('fresh-from-sso@example.com', false);
    expect((await acceptAs(orphan.session, meant.secret)).status).toBe(403);
    expect(await loupe.store.getMembership(orgId, orphan.id)).toBeNull();

    // The right person still can: addresses compare the way accounts store them (case, surrounding spaces).
    const victim = await person('victim@example.com');
    const accepted = await acceptAs(victim.session, meant.secret);
    expect(accepted.status).toBe(200);
    expect(await loupe.store.getMembership(orgId, victim.id)).toMatchObject({ role: 'admin' });
    const mixed = await invite({ role: 'member', email: '  Ada.Lovelace@Example.COM ' });
    const ada = await person('ada.lovelace@example.com');
    expect((await acceptAs(ada.session, mixed.secret)).status).toBe(200);
    const signUp = await invite({ role: 'viewer', email: 'grace@example.com' });
    const created = await fetch(`${loupe.url}/api/v1/invitations/${signUp.secret}/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Grace', email: ' Grace@Example.com', password: 'long enough password' }),
    });
    expect(created.status).toBe(201);

    // An invitation made without an address stays open to whoever holds the link: the inviter chose that.
    const open = await invite({ role: 'member' });
    expect((await acceptAs(intruder.session, open.secret)).status).toBe(200);
    expect(await loupe.store.getMembership(orgId, intruder.id)).toMatchObject({ role: 'member' });
  });

  it('keeps at least one owner', async () => {
    const res = await as(admin, `/api/v1/org/members/${adminId}`, { method: 'PATCH', body: JSON.stringify({ role: 'member' }) });
    expect(res.status).toBe(409);
    expect((await loupe.store.getMembership(await loupe.orgId(), adminId))!.role).toBe('owner');
  });

  it('signs a person out everywhere: every session stops on its next request', async () => {
    const userId = await loupe.makeUser({ role: 'member' });
    const first = await loupe.sessionHeaders(userId);
    const second = await loupe.sessionHeaders(userId);
    expect((await as(first, '/api/v1/me/sign-out-everywhere', { method: 'POST' })).status).toBe(204);
    expect((await as(first, '/api/v1/me')).status).toBe(401);
    expect((await as(second, '/api/v1/me')).status).toBe(401);
  });

  it('purges expired artifacts completely, except those on legal hold, and audits each purge', async () => {
    const expired = await loupe.createArtifact('<p>old</p>');
    const held = await loupe.createArtifact('<p>held</p>');
    const fresh = await loupe.createArtifact('<p>fresh</p>');
    const hold = await as(admin, `/api/v1/artifacts/${held}/legal-hold`, { method: 'PUT', body: JSON.stringify({ hold: true }) });
    expect(hold.status).toBe(200);
    const longAgo = Date.now() - 40 * 24 * 3600 * 1000;
    await loupe.store.touchArtifact(expired, { updatedAt: longAgo });
    await loupe.store.touchArtifact(held, { updatedAt: longAgo });
    expect((await as(admin, '/api/v1/org', { method: 'PATCH', body: JSON.stringify({ retentionDays: 30 }) })).status).toBe(200);
    try {
      expect(await runRetentionSweep(loupe.server.services)).toBeGreaterThanOrEqual(1);
    } finally {
      await as(admin, '/api/v1/org', { method: 'PATCH', body: JSON.stringify({ retentionDays: null }) });
    }
    expect(await loupe.store.getArtifact(expired)).toBeNull();
    expect((await loupe.store.loadDoc(expired)).lastSeq).toBe(0);
    expect((await loupe.api(`/api/v1/artifacts/${expired}`)).status).toBe(404);
    expect(await loupe.store.getArtifact(held)).not.toBeNull();
    expect(await loupe.store.getArtifact(fresh)).not.toBeNull();
    const purges = await loupe.store.listAudit({ orgId: await loupe.orgId(), action: 'artifact.purge', limit: 10 });
    expect(purges.map((entry) => entry.artifactId)).toContain(expired);
    expect(purges.map((entry) => entry.artifactId)).not.toContain(held);
  });

  it('exports an artifact as a ZIP with its page, for admins only', async () => {
    const page = '<h1>Export me</h1><p>ünïcode</p>';
    const id = await loupe.createArtifact(page);
    const res = await as(admin, `/api/v1/artifacts/${id}/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const zip = Buffer.from(await res.arrayBuffer());
    const files = readStoredZip(zip);
    expect(files.get('page.html')).toBe(page);
    expect(JSON.parse(files.get('artifact.json')!)).toMatchObject({ format: 'loupe-artifact-export/1', artifact: { id } });
    const member = await loupe.sessionHeaders(await loupe.makeUser({ role: 'member' }));
    expect((await as(member, `/api/v1/artifacts/${id}/export`)).status).toBe(403);
    expect(await auditActions()).toContain('artifact.export');
  });

  it('rate-limits token use with 429 and Retry-After', async () => {
    const token = await loupe.makeToken({ role: 'member', scopes: [] });
    let limited: Response | null = null;
    for (let i = 0; i < 50 && !limited; i++) {
      const res = await loupe.api('/api/v1/me', { token });
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(200);
    }
    expect(limited).not.toBeNull();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited!.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    // Other tokens are unaffected (a fresh one: the admin's own budget of 10 is spent by the tests before this
    // one, which no longer wait seconds for a periodic re-check to refill it).
    const other = await loupe.makeToken({ role: 'member', scopes: [] });
    expect((await loupe.api('/api/v1/me', { token: other })).status).toBe(200);
  });

  it('rate-limits failed sign-ins per address and per account, and audits them', async () => {
    const runtime = getAuthRuntime();
    const from = { ip: '203.0.113.9', userAgent: 'test' };
    const results = [];
    for (let i = 0; i < 10; i++) results.push(await runtime.authenticate('admin@example.com', 'wrong password!', from));
    expect(results[0]).toEqual({ ok: false, reason: 'invalid' });
    expect(results.at(-1)).toMatchObject({ ok: false, reason: 'rate_limited' });
    // Even the right password waits until the bucket refills.
    expect(await runtime.authenticate('admin@example.com', 'correct horse battery', from)).toMatchObject({ reason: 'rate_limited' });
    expect(await auditActions()).toContain('auth.sign_in_failed');
  });

  it('answers 429 with Retry-After on the sign-in endpoint for an address that keeps failing', async () => {
    const runtime = getAuthRuntime();
    // The test server sees 127.0.0.1; drain that address's bucket through the same path the form uses.
    for (let i = 0; i < 10; i++) await runtime.authenticate(`nobody${i}@example.com`, 'wrong password!', { ip: '127.0.0.1', userAgent: null });
    const res = await fetch(`${loupe.url}/api/auth/callback/credentials`, { method: 'POST', body: 'email=a&password=b' });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('hash-chains the audit log: `loupe audit verify` passes, then names the altered entry', async () => {
    await loupe.createArtifact('<p>audited</p>');
    const lines: string[] = [];
    const databaseUrl = databaseUrlOf(loupe.dataDir);
    expect(await auditVerify({ databaseUrl }, (line) => lines.push(line))).toBe(0);
    expect(lines.join('\n')).toMatch(/^ok /m);
    // The table refuses edits; someone with the database can drop the guard, and the chain still catches them.
    const tamper = "UPDATE audit_log SET actor_name = 'Mallory' WHERE seq = 3";
    await expect(rawSql(loupe, tamper)).rejects.toThrow(/append-only/);
    await rawSql(loupe, databaseUrl.startsWith('sqlite:') ? 'DROP TRIGGER audit_log_no_update' : 'DROP TRIGGER audit_log_no_update ON audit_log');
    await rawSql(loupe, tamper);
    const after: string[] = [];
    expect(await auditVerify({ databaseUrl }, (line) => after.push(line))).toBe(1);
    expect(after.join('\n')).toMatch(/BROKEN .*entry #3 was altered/);
  });
});

/** Reads a ZIP of stored (uncompressed) entries: name → UTF-8 text. */
function readStoredZip(zip: Buffer): Map<string, string> {
  const files = new Map<string, string>();
  let offset = 0;
  while (zip.readUInt32LE(offset) === 0x04034b50) {
    const size = zip.readUInt32LE(offset + 18);
    const nameLength = zip.readUInt16LE(offset + 26);
    const extra = zip.readUInt16LE(offset + 28);
    const name = zip.toString('utf8', offset + 30, offset + 30 + nameLength);
    const start = offset + 30 + nameLength + extra;
    files.set(name, zip.toString('utf8', start, start + size));
    offset = start + size;
  }
  return files;
}

describe('several organizations', () => {
  let loupe: TestLoupe;
  beforeAll(async () => {
    loupe = await startTestLoupe();
  });
  afterAll(async () => {
    await loupe.stop();
  });

  it('lets a person start a second organization, switch to it, and see only its artifacts', async () => {
    const adminId = await loupe.userOfToken(loupe.token);
    const session = await loupe.sessionHeaders(adminId);
    const first = await loupe.orgId();
    const id = await loupe.createArtifact('<p>first org</p>');
    const created = await fetch(`${loupe.url}/api/v1/orgs`, {
      method: 'POST',
      headers: { ...session, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Side project', role: 'viewer' }),
    });
    expect(created.status).toBe(201);
    const org = (await created.json()) as { id: string; role: string };
    expect(org.role).toBe('owner');
    const switched = await fetch(`${loupe.url}/api/v1/me/org`, {
      method: 'POST',
      headers: { ...session, 'content-type': 'application/json' },
      body: JSON.stringify({ orgId: org.id }),
    });
    expect(switched.status).toBe(204);
    const orgCookie = switched.headers.get('set-cookie')!.split(';')[0];
    const inSecond = { ...session, cookie: `${session.cookie}; ${orgCookie}` };
    const me = (await (await fetch(`${loupe.url}/api/v1/me`, { headers: inSecond })).json()) as { org: { id: string }; orgs: unknown[]; role: string };
    expect(me.org.id).toBe(org.id);
    expect(me.role).toBe('owner');
    expect(me.orgs).toHaveLength(2);
    expect((await fetch(`${loupe.url}/api/v1/artifacts/${id}`, { headers: inSecond })).status).toBe(404);
    expect((await fetch(`${loupe.url}/api/v1/artifacts/${id}`, { headers: session })).status).toBe(200);
    // A hint naming an org the person is not in falls back to one they are in.
    const stranger = { ...session, cookie: `${session.cookie}; loupe-org=${crypto.randomUUID()}` };
    expect(((await (await fetch(`${loupe.url}/api/v1/me`, { headers: stranger })).json()) as { org: { id: string } }).org.id).toBe(first);
    const notMine = await fetch(`${loupe.url}/api/v1/me/org`, {
      method: 'POST',
      headers: { ...session, 'content-type': 'application/json' },
      body: JSON.stringify({ orgId: crypto.randomUUID() }),
    });
    expect(notMine.status).toBe(404);
    expect((await loupe.store.readAuditChain(org.id, 0, 10)).map((e) => e.action)).toEqual(['org.create']);
  });
});
