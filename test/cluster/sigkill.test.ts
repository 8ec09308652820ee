import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAt, startCluster, synced, type ClusterClient, type TestCluster } from '../helpers/cluster';

/**
 * Issue 12, faults: SIGKILL an instance while agents write through it. Acknowledged means an HTTP 200, or for a
 * socket write an update a reader on another instance received; every one of them is there afterwards, on the others.
 */

const A = 0;
const B = 1;
const C = 2;
const WAIT = { timeout: 15_000, interval: 20 };

let cluster: TestCluster;
const clients: ClusterClient[] = [];
beforeAll(async () => {
  cluster = await startCluster({ instances: 3 });
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await cluster?.stop();
});

const page = (agent: number, k: number) => Array.from({ length: k + 1 }, (_, i) => `<p>agent ${agent} line ${i}</p>`).join('\n');

describe('SIGKILL of an instance under writes', () => {
  it('keeps every acknowledged edit (HTTP and socket) on the other instances, which keep serving', async () => {
    const AGENTS = 3;
    const ids = await Promise.all(Array.from({ length: AGENTS }, () => cluster.createArtifact(page(0, 0), { index: A })));
    const acked = new Array<number>(AGENTS).fill(-1);
    let killed = false;
    // Agents pushing ever-longer pages through A until A dies under them.
    const agents = ids.map(async (id, agent) => {
      for (let k = 0; ; k++) {
        const res = await cluster
          .api(A, `/api/v1/artifacts/${id}/content`, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: page(agent, k) })
          .catch(() => null);
        if (!res) return;
        if (res.status !== 200) throw new Error(`PUT through A answered ${res.status} before it was killed: ${await res.text()}`);
        acked[agent] = k;
        if (killed) return;
      }
    });

    // A live writer on A; its edits count once a reader on B has them.
    const live = await cluster.createArtifact('<p>live</p>', { index: A });
    const writer = connectAt(cluster, A, live);
    const onB = connectAt(cluster, B, live);
    const onC = connectAt(cluster, C, live);
    clients.push(writer, onB, onC);
    await Promise.all([synced(writer), synced(onB), synced(onC)]);
    let typed = 0;
    const typing = setInterval(() => {
      if (!killed) writer.text.insert(0, `<i>k${typed++}</i>`);
    }, 5);

    await expect.poll(() => Math.min(...acked), WAIT).toBeGreaterThanOrEqual(8);
    await expect.poll(() => typed, WAIT).toBeGreaterThanOrEqual(20);
    // What any reader on another instance has received is acknowledged: snapshot it the moment before the kill.
    killed = true;
    clearInterval(typing);
    const receivedBeforeKill = onB.text.toString().match(/<i>k\d+<\/i>/g) ?? [];
    await cluster.kill(A, 'SIGKILL');
    await Promise.all(agents);

    for (let agent = 0; agent < AGENTS; agent++) {
      for (const index of [B, C]) {
        const html = await (await cluster.api(index, `/api/v1/artifacts/${ids[agent]}/content`)).text();
        // The last acknowledged page, or the one after it (written but not yet answered when A died).
        for (let line = 0; line <= acked[agent]; line++) expect(html).toContain(`<p>agent ${agent} line ${line}</p>`);
      }
    }
    const fresh = connectAt(cluster, C, live);
    clients.push(fresh);
    await synced(fresh);
    for (const mark of receivedBeforeKill) expect(fresh.text.toString()).toContain(mark);
    expect(receivedBeforeKill.length).toBeGreaterThan(0);

    // The agents carry on through another instance, as they would through the load balancer.
    const next = page(0, acked[0] + 5);
    expect((await cluster.api(B, `/api/v1/artifacts/${ids[0]}/content`, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: next })).status).toBe(200);
    const reader = connectAt(cluster, C, ids[0]);
    clients.push(reader);
    await expect.poll(() => reader.text.toString(), WAIT).toBe(next);
    expect(await (await cluster.api(C, `/api/v1/artifacts/${ids[0]}/content`)).text()).toBe(next);
  });
});
