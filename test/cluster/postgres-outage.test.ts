import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../lib/protocol/close-codes';
import { connectAt, startCluster, synced, type ClusterClient, type TestCluster } from '../helpers/cluster';

/**
 * Issue 12, faults: PostgreSQL cut off mid-stream by a fault-injecting TCP proxy between the instances and the
 * database (the machine's PostgreSQL keeps serving every other test). Writes answer 503 storage_unavailable with a
 * clear message, live writers get STORAGE_FAILED, nothing acknowledged is lost, and service resumes by itself.
 */

const A = 0;
const B = 1;
const C = 2;
const WAIT = { timeout: 20_000, interval: 25 };

let cluster: TestCluster;
const clients: ClusterClient[] = [];
beforeAll(async () => {
  cluster = await startCluster({ instances: 3, pgThroughProxy: true });
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await cluster?.stop();
});

const page = (k: number) => Array.from({ length: k + 1 }, (_, i) => `<p>line ${i}</p>`).join('\n');
const put = (index: number, id: string, html: string) =>
  cluster.api(index, `/api/v1/artifacts/${id}/content`, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: html });

describe('PostgreSQL unreachable', () => {
  it('answers 503 storage_unavailable, closes live writers with STORAGE_FAILED, loses nothing acknowledged, and recovers without a restart', async () => {
    const id = await cluster.createArtifact(page(0), { index: A });
    const typedInto = await cluster.createArtifact('<p>live</p>', { index: A });
    const writer = connectAt(cluster, A, typedInto);
    const reader = connectAt(cluster, B, typedInto);
    const pageOnC = connectAt(cluster, C, id);
    clients.push(writer, reader, pageOnC);
    await Promise.all([synced(writer), synced(reader), synced(pageOnC)]);

    let acked = 0;
    for (let k = 1; k <= 5; k++) {
      expect((await put(A, id, page(k))).status).toBe(200);
      acked = k;
    }
    writer.text.insert(writer.text.length, '<p>typed before</p>');
    await expect.poll(() => reader.text.toString(), WAIT).toContain('typed before');

    await cluster.pgProxy!.cut();

    // HTTP writes, on the instance that was writing and on the others: a clear 503, never a 500 or a hang.
    for (const index of [A, B, C]) {
      const res = await put(index, id, page(acked + 1));
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('storage_unavailable');
      expect(body.error.message.length).toBeGreaterThan(10);
    }
    // A live writer's edit cannot be made durable: its socket closes with the named code.
    writer.text.insert(writer.text.length, '<p>typed during</p>');
    await expect.poll(() => writer.closes.map((close) => close.code), WAIT).toContain(CloseCode.STORAGE_FAILED);
    // Nothing that was not durable reached a reader.
    expect(reader.text.toString()).not.toContain('typed during');

    await cluster.pgProxy!.restore();

    // Recovery by itself: the same processes answer 200 again once the database is back.
    await expect
      .poll(async () => (await put(B, id, page(acked + 1))).status, WAIT)
      .toBe(200);
    acked += 1;
    for (const index of [A, B, C]) expect(cluster.instances[index].child!.exitCode).toBeNull();
    for (let k = acked + 1; k <= acked + 3; k++) expect((await put(k % 3, id, page(k))).status).toBe(200);
    acked += 3;
    const last = page(acked);
    for (const index of [A, B, C]) expect(await (await cluster.api(index, `/api/v1/artifacts/${id}/content`)).text()).toBe(last);
    await expect.poll(() => pageOnC.text.toString(), WAIT).toBe(last);

    // The live room works again for a writer who reconnects, and what was acknowledged before the cut is there.
    const again = connectAt(cluster, A, typedInto);
    clients.push(again);
    await synced(again);
    expect(again.text.toString()).toContain('typed before');
    again.text.insert(again.text.length, '<p>typed after</p>');
    await expect.poll(() => reader.text.toString(), WAIT).toContain('typed after');

    // Nothing half-written: the audit chain still verifies.
    const admin = await cluster.sessionHeaders(await cluster.userOfToken(cluster.token));
    const verdict = (await (await cluster.api(C, '/api/v1/audit/verify', { headers: admin })).json()) as { ok: boolean };
    expect(verdict.ok).toBe(true);
  });
});
