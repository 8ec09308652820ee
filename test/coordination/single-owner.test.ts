import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../lib/store/types';
import { REVIEW_DOC, type ReviewSummary } from '../../lib/review/types';
import { startInProcessCluster, type InProcessCluster } from '../helpers/in-process-cluster';
import { connectClient, whenSynced, type TestLoupe } from '../helpers/loupe';

/**
 * Jobs that must happen once run once with several instances on one store
 * and one bus (retention, automatic versions), and what changes in one
 * instance reaches the rooms of the others (org settings, agent presence,
 * inbox signals).
 */

const DAY_MS = 24 * 3600 * 1000;

describe('the retention sweep with two instances', () => {
  let cluster: InProcessCluster;
  /** Sweeps started per instance: each one begins by listing the organizations, which nothing else does. */
  const sweeps = [0, 0];

  beforeAll(async () => {
    cluster = await startInProcessCluster(2, {
      env: { RETENTION_SWEEP_MS: '1000' },
      wrapStore: (store, node) =>
        new Proxy(store, {
          get: (target, prop) => {
            if (prop !== 'listOrgs') return Reflect.get(target, prop) as unknown;
            return () => {
              sweeps[node] += 1;
              return target.listOrgs();
            };
          },
        }) as Store,
    });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('is run by the lease holder only, purges an expired artifact once, and moves to the other instance when the holder stops', async () => {
    const [a] = cluster.nodes;
    const orgId = await a.orgId();
    const id = await a.createArtifact('<p>old</p>');
    await cluster.store.updateOrg(orgId, { settings: { retentionDays: 1 } });
    await cluster.store.touchArtifact(id, { updatedAt: Date.now() - 3 * DAY_MS });

    await expect.poll(() => cluster.store.getArtifact(id), { timeout: 10_000 }).toBeNull();
    await expect.poll(() => sweeps[0] + sweeps[1], { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
    const holder = sweeps[0] > 0 ? 0 : 1;
    expect(sweeps[1 - holder]).toBe(0);
    const purges = await cluster.store.listAudit({ orgId, action: 'artifact.purge', artifactId: id, limit: 10 });
    expect(purges).toHaveLength(1);

    // The holder stops (gives the lease up): the other instance sweeps from its next tick on.
    await cluster.nodes[holder].stop();
    await expect.poll(() => sweeps[1 - holder], { timeout: 10_000 }).toBeGreaterThan(0);
  });
});

describe('two instances on one store and one bus', () => {
  let cluster: InProcessCluster;
  let a: TestLoupe;
  let b: TestLoupe;
  let admin: Record<string, string>;

  beforeAll(async () => {
    cluster = await startInProcessCluster(2, { env: { VERSION_QUIET_MS: '1000' } });
    [a, b] = cluster.nodes;
    admin = { ...(await a.sessionHeaders(await a.userOfToken(a.token))), 'content-type': 'application/json' };
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const put = (node: TestLoupe, id: string, html: string) =>
    node.api(`/api/v1/artifacts/${id}/content`, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: html });

  it('cut one automatic version when writes through both arm both timers', async () => {
    const id = await a.createArtifact('<p>v1</p>');
    const idle = () => a.server.services.versionScheduler.isIdle && b.server.services.versionScheduler.isIdle;
    await expect.poll(idle, { timeout: 10_000 }).toBe(true);
    const before = (await cluster.store.listVersions(id)).length;

    expect((await put(a, id, '<p>v2 from a</p>')).status).toBe(200);
    expect((await put(b, id, '<p>v2 from a and b</p>')).status).toBe(200);
    expect(b.server.services.versionScheduler.isIdle).toBe(false);
    expect(a.server.services.versionScheduler.isIdle).toBe(false);
    await expect.poll(idle, { timeout: 10_000 }).toBe(true);

    const versions = await cluster.store.listVersions(id);
    expect(versions.length - before).toBe(1);
    const page = await (await a.api(`/api/v1/artifacts/${id}/content`)).text();
    expect(page).toContain('v2 from a and b');
    expect(versions[0].sizeBytes).toBe(Buffer.byteLength(page));
  });

  it('refresh open review rooms on the other instance when the approvals required change', async () => {
    const id = await a.createArtifact('<p>approvals</p>');
    const reader = connectClient(b, `${id}/review`);
    try {
      await whenSynced(reader);
      const required = () => (reader.doc.getMap(REVIEW_DOC.summary).get('status') as ReviewSummary | undefined)?.requiredApprovals;
      await expect.poll(required).toBe(1);
      const patched = await fetch(`${a.url}/api/v1/org`, { method: 'PATCH', headers: admin, body: JSON.stringify({ requiredApprovals: 3 }) });
      expect(patched.status).toBe(200);
      await expect.poll(required, { timeout: 5_000 }).toBe(3);
    } finally {
      reader.destroy();
      await fetch(`${a.url}/api/v1/org`, { method: 'PATCH', headers: admin, body: JSON.stringify({ requiredApprovals: 1 }) });
    }
  });

  it('show an agent writing through one instance in the review room of a reviewer on the other', async () => {
    const id = await a.createArtifact('<p>presence</p>');
    const reviewer = connectClient(b, `${id}/review`);
    try {
      await whenSynced(reviewer);
      const agents = () =>
        Array.from(reviewer.provider.awareness.getStates().values()).filter(
          (state) => (state as { user?: { kind?: string } }).user?.kind === 'agent',
        ).length;
      expect(agents()).toBe(0);
      expect((await put(a, id, '<p>presence, written</p>')).status).toBe(200);
      await expect.poll(agents, { timeout: 5_000 }).toBe(1);
    } finally {
      reviewer.destroy();
    }
  });

  it('project a thread replied to through both at once as the tables hold it, on a reader of either', async () => {
    const id = await a.createArtifact('<p>threads</p>');
    const post = (node: TestLoupe, path: string, text: string) =>
      node.api(`/api/v1/artifacts/${id}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
    const created = await post(a, '/threads', 'first');
    expect(created.status).toBe(201);
    const threadId = ((await created.json()) as { id: string }).id;
    const readers = [connectClient(a, `${id}/review`), connectClient(b, `${id}/review`)];
    try {
      await Promise.all(readers.map(whenSynced));
      const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => post(i % 2 === 0 ? a : b, `/threads/${threadId}/replies`, `reply ${i}`)));
      expect(replies.every((res) => res.status === 201)).toBe(true);
      const stored = (await cluster.store.review.listComments(threadId)).length;
      expect(stored).toBe(13);
      const projected = (reader: (typeof readers)[number]) =>
        (reader.doc.getMap(REVIEW_DOC.threads).get(threadId) as { comments?: unknown[] } | undefined)?.comments?.length;
      for (const reader of readers) await expect.poll(() => projected(reader), { timeout: 5_000 }).toBe(stored);
    } finally {
      for (const reader of readers) reader.destroy();
    }
  });

  it('deliver inbox signals to a stream open on the other instance', async () => {
    const userId = await a.makeUser({ role: 'member' });
    const stream = await fetch(`${b.url}/api/v1/inbox/events`, { headers: await b.sessionHeaders(userId) });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const events: string[] = [];
    const decoder = new TextDecoder();
    let buffered = '';
    const nextEvent = async () => {
      for (;;) {
        const end = buffered.indexOf('\n\n');
        if (end >= 0) {
          const event = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          if (event.startsWith('event:')) return event;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffered += decoder.decode(value, { stream: true });
      }
    };
    events.push(await nextEvent());
    const marked = await fetch(`${a.url}/api/v1/inbox/read`, {
      method: 'POST',
      headers: { ...(await a.sessionHeaders(userId)), 'content-type': 'application/json' },
      body: JSON.stringify({ all: true }),
    });
    expect(marked.status).toBe(200);
    events.push(await nextEvent());
    expect(events.every((event) => event.startsWith('event: unread'))).toBe(true);
    await reader.cancel();
  });
});
