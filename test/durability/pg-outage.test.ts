import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../lib/store/postgres';
import { CloseCode } from '../../lib/protocol/close-codes';
import { connectClient, startTestLoupe, whenSynced, type TestLoupe } from '../helpers/loupe';
import { createTestDatabase, type TestDatabase } from '../helpers/services';
import { startTcpProxy, throughProxy, type TcpProxy } from '../helpers/tcp-proxy';

/**
 * PostgreSQL going away under a running Loupe (a real TCP hop cut and
 * restored): writes answer 503 storage_unavailable with a clear message, live
 * writers get STORAGE_FAILED, nothing half-written, and service resumes without a restart.
 */
let db: TestDatabase;
let proxy: TcpProxy;
let loupe: TestLoupe;

beforeAll(async () => {
  db = await createTestDatabase('outage');
  const target = new URL(db.url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  loupe = await startTestLoupe({ store: new PostgresStore(throughProxy(db.url, proxy)) });
});
afterAll(async () => {
  await proxy.restore().catch(() => {});
  await loupe?.stop();
  await proxy?.close();
  await db?.drop();
});

const put = (id: string, html: string) =>
  loupe.api(`/api/v1/artifacts/${id}/content`, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: html });

describe('PostgreSQL outage', () => {
  it('answers 503 storage_unavailable, closes live writers with STORAGE_FAILED, loses nothing acknowledged, and recovers by itself', async () => {
    const id = await loupe.createArtifact('<p>one</p>');
    expect((await put(id, '<p>two</p>')).status).toBe(200);
    const writer = connectClient(loupe, id);
    await whenSynced(writer);
    expect(writer.text.toString()).toBe('<p>two</p>');

    await proxy.cut();
    const refused = await put(id, '<p>three</p>');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    expect(await refused.json()).toEqual({ error: { code: 'storage_unavailable', message: 'The database is unavailable; try again shortly.' } });
    // A live edit cannot be made durable: the writer is told, by name.
    writer.text.insert(0, 'x');
    await expect.poll(() => writer.closes.some((c) => c.code === CloseCode.STORAGE_FAILED), { timeout: 10_000 }).toBe(true);
    writer.destroy();
    // A new socket is refused with the same code, not dropped.
    const late = connectClient(loupe, id);
    await expect.poll(() => late.closes[0]?.code, { timeout: 10_000 }).toBe(CloseCode.STORAGE_FAILED);
    late.destroy();

    await proxy.restore();
    await expect.poll(async () => (await loupe.api(`/api/v1/artifacts/${id}/content`)).status, { timeout: 15_000 }).toBe(200);
    // What was acknowledged is there; what was refused is not.
    expect(await (await loupe.api(`/api/v1/artifacts/${id}/content`)).text()).toBe('<p>two</p>');
    expect((await put(id, '<p>four</p>')).status).toBe(200);
    const reader = connectClient(loupe, id);
    await whenSynced(reader);
    expect(reader.text.toString()).toBe('<p>four</p>');
    reader.destroy();
  });
});
