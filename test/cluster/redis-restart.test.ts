import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAt, startCluster, synced, type ClusterClient, type TestCluster } from '../helpers/cluster';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server';

/**
 * Issue 12, faults: kill Redis (no persistence: it comes back empty) and restart it mid-stream. Redis only ever
 * carried news; readers on other instances end with every acknowledged edit, and writes never depended on it.
 */

const A = 0;
const B = 1;
const C = 2;
const WAIT = { timeout: 20_000, interval: 25 };

let redis: OwnRedis;
let cluster: TestCluster;
const clients: ClusterClient[] = [];
beforeAll(async () => {
  redis = await startOwnRedis();
  cluster = await startCluster({ instances: 3, redisUrl: redis.url });
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await cluster?.stop();
  await redis?.stop();
});

const page = (k: number) => Array.from({ length: k + 1 }, (_, i) => `<p>line ${i}</p>`).join('\n');

describe('Redis restart under writes', () => {
  it('readers on other instances end with every acknowledged edit (HTTP and socket)', async () => {
    const pushed = await cluster.createArtifact(page(0), { index: A });
    const typedInto = await cluster.createArtifact('<p>live</p>', { index: A });
    const connect = (index: number, room: string) => {
      const client = connectAt(cluster, index, room);
      clients.push(client);
      return client;
    };
    const pageOnB = connect(B, pushed);
    const pageOnC = connect(C, pushed);
    const writer = connect(A, typedInto);
    const liveOnB = connect(B, typedInto);
    const liveOnC = connect(C, typedInto);
    await Promise.all([pageOnB, pageOnC, writer, liveOnB, liveOnC].map(synced));

    let acked = -1;
    let done = false;
    const agent = (async () => {
      for (let k = 1; !done; k++) {
        const res = await cluster.api(A, `/api/v1/artifacts/${pushed}/content`, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: page(k) });
        // Storage is PostgreSQL: a write never waits on, or fails with, Redis.
        if (res.status !== 200) throw new Error(`PUT answered ${res.status}: ${await res.text()}`);
        acked = k;
      }
    })();
    let typed = 0;
    const typing = setInterval(() => writer.text.insert(writer.text.length, `<i>${typed++}</i>`), 10);

    try {
      await expect.poll(() => acked, WAIT).toBeGreaterThanOrEqual(5);
      await redis.kill();
      const atKill = acked;
      await expect.poll(() => acked, WAIT).toBeGreaterThanOrEqual(atKill + 5);
      await redis.start();
      const atRestart = acked;
      await expect.poll(() => acked, WAIT).toBeGreaterThanOrEqual(atRestart + 5);
    } finally {
      done = true;
      clearInterval(typing);
      await agent;
    }

    const last = page(acked);
    await expect.poll(() => pageOnB.text.toString(), WAIT).toBe(last);
    await expect.poll(() => pageOnC.text.toString(), WAIT).toBe(last);
    for (const index of [A, B, C]) expect(await (await cluster.api(index, `/api/v1/artifacts/${pushed}/content`)).text()).toBe(last);

    // Every socket edit was stored by A: readers elsewhere catch up to all of it, in the writer's order.
    const everything = writer.text.toString();
    expect(everything).toContain(`<i>${typed - 1}</i>`);
    await expect.poll(() => liveOnB.text.toString(), WAIT).toBe(everything);
    await expect.poll(() => liveOnC.text.toString(), WAIT).toBe(everything);

    // And the bus works again: news after the restart arrives live.
    writer.text.insert(0, '<b>after</b>');
    await expect.poll(() => liveOnC.text.toString().startsWith('<b>after</b>'), WAIT).toBe(true);
  });
});
