import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewAuditEntry, Store, StoreTransaction } from '../../lib/store/types';
import { startInProcessCluster, type InProcessCluster } from '../helpers/in-process-cluster';
import type { TestLoupe } from '../helpers/loupe';

/**
 * An audit entry commits with the change it records, or neither does. The
 * store here fails the audit append of one chosen action (as a crash or a
 * lost database connection between the two writes would): the change must
 * not be there afterwards, and the request fails.
 */

let cluster: InProcessCluster;
let loupe: TestLoupe;
let admin: Record<string, string>;
/** The action whose audit append fails next (inside a transaction), or null. */
let failing: string | null = null;

function failingAudit(tx: StoreTransaction): StoreTransaction {
  return new Proxy(tx, {
    get: (target, prop) => {
      if (prop !== 'appendAudit') return Reflect.get(target, prop) as unknown;
      return async (entry: NewAuditEntry) => {
        if (entry.action === failing) throw new Error(`injected: the audit append of ${entry.action} failed`);
        return target.appendAudit(entry);
      };
    },
  });
}

beforeAll(async () => {
  cluster = await startInProcessCluster(1, {
    wrapStore: (store) =>
      new Proxy(store, {
        get: (target, prop) => {
          if (prop !== 'transaction') return Reflect.get(target, prop) as unknown;
          return <T>(work: (tx: StoreTransaction) => Promise<T>) => target.transaction((tx) => work(failingAudit(tx)));
        },
      }) as Store,
  });
  [loupe] = cluster.nodes;
  admin = { ...(await loupe.sessionHeaders(await loupe.userOfToken(loupe.token))), 'content-type': 'application/json' };
});
afterAll(async () => {
  await cluster?.stop();
});

async function failingOnce<T>(action: string, act: () => Promise<T>): Promise<T> {
  failing = action;
  try {
    return await act();
  } finally {
    failing = null;
  }
}

describe('audit entries commit with their change', () => {
  it('a role change whose audit entry fails leaves the role as it was', async () => {
    const userId = await loupe.makeUser({ role: 'member' });
    const res = await failingOnce('member.role_change', () =>
      fetch(`${loupe.url}/api/v1/org/members/${userId}`, { method: 'PATCH', headers: admin, body: JSON.stringify({ role: 'admin' }) }),
    );
    expect(res.status).toBe(500);
    expect((await cluster.store.getMembership(await loupe.orgId(), userId))?.role).toBe('member');
    // And with the audit working, the same change goes through, recorded.
    const ok = await fetch(`${loupe.url}/api/v1/org/members/${userId}`, { method: 'PATCH', headers: admin, body: JSON.stringify({ role: 'admin' }) });
    expect(ok.status).toBe(200);
    expect((await cluster.store.getMembership(await loupe.orgId(), userId))?.role).toBe('admin');
    const recorded = await cluster.store.listAudit({ orgId: await loupe.orgId(), action: 'member.role_change', limit: 10 });
    expect(recorded.filter((entry) => entry.targetId === userId)).toHaveLength(1);
  });

  it('a token whose creation cannot be recorded is not created', async () => {
    const before = await cluster.store.listAgentTokens({ orgId: await loupe.orgId() });
    const res = await failingOnce('token.create', () =>
      fetch(`${loupe.url}/api/v1/tokens`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'unrecorded', scopes: [], expiresInDays: 1 }) }),
    );
    expect(res.status).toBe(500);
    const after = await cluster.store.listAgentTokens({ orgId: await loupe.orgId() });
    expect(after.map((t) => t.id).sort()).toEqual(before.map((t) => t.id).sort());
  });

  it('an access change that cannot be recorded leaves who sees the artifact unchanged', async () => {
    const id = await loupe.createArtifact('<p>audited</p>');
    const res = await failingOnce('artifact.access_change', () =>
      fetch(`${loupe.url}/api/v1/artifacts/${id}/access`, { method: 'PUT', headers: admin, body: JSON.stringify({ visibility: 'members', members: [] }) }),
    );
    expect(res.status).toBe(500);
    expect((await cluster.store.getArtifact(id))?.visibility).toBe('org');
  });

  it('an invitation accepted by a new account that cannot be recorded leaves no account and the invitation unused', async () => {
    const created = (await (
      await fetch(`${loupe.url}/api/v1/org/invitations`, { method: 'POST', headers: admin, body: JSON.stringify({ role: 'member' }) })
    ).json()) as { url: string; id: string };
    const secret = created.url.split('/invite/')[1];
    const email = `joiner-${Date.now()}@example.com`;
    const accept = () =>
      fetch(`${loupe.url}/api/v1/invitations/${secret}/accept`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: loupe.server.appOrigin },
        body: JSON.stringify({ name: 'Joiner', email, password: 'long enough password' }),
      });
    expect((await failingOnce('member.join', accept)).status).toBe(500);
    expect(await cluster.store.getUserByEmail(email)).toBeNull();
    expect((await cluster.store.getInvitation(created.id))?.acceptedAt).toBeNull();
    // The link still works once the audit does.
    expect((await accept()).status).toBe(201);
    expect(await cluster.store.getUserByEmail(email)).not.toBeNull();
  });
});
