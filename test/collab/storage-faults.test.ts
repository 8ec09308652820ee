import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { SqliteStore } from '../../lib/store/sqlite';
import type { StoredDoc, UpdateEntry } from '../../lib/store/types';
import { CloseCode } from '../../lib/protocol/close-codes';
import { connectClient, startTestLoupe, whenSynced, type TestLoupe } from '../helpers/loupe';

/** The real SQLite backend with switchable faults: storage that fails the way disks and networks do. */
class FaultyStore extends SqliteStore {
  failLoads = false;
  failAppends = false;
  override async loadDoc(docName: string): Promise<StoredDoc> {
    if (this.failLoads) throw new Error('injected load failure');
    return super.loadDoc(docName);
  }
  override async appendUpdates(entries: UpdateEntry[]): Promise<number[]> {
    if (this.failAppends) throw new Error('injected append failure');
    return super.appendUpdates(entries);
  }
}

let loupe: TestLoupe;
let store: FaultyStore;
beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'loupe-faults-'));
  store = new FaultyStore(join(dataDir, 'loupe.db'));
  loupe = await startTestLoupe({ dataDir, store });
});
afterAll(async () => {
  await loupe.stop();
});

describe('storage faults', () => {
  it('never lets a failed load stand in an empty document for stored data', async () => {
    const id = await loupe.createArtifact('<p>precious</p>');
    await expect.poll(() => loupe.server.services.registry.peek(id)).toBeUndefined();
    store.failLoads = true;
    const client = connectClient(loupe, id);
    await expect.poll(() => client.closes[0]?.code).toBe(CloseCode.STORAGE_FAILED);
    const put = await loupe.api(`/api/v1/artifacts/${id}/content`, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: '<p>x</p>' });
    expect(put.status).toBe(500);
    client.destroy();
    store.failLoads = false;
    const reader = connectClient(loupe, id);
    await whenSynced(reader);
    expect(reader.text.toString()).toBe('<p>precious</p>');
    reader.destroy();
  });

  it('answers 500 when an append fails, resets the room, and keeps what was durable', async () => {
    const id = await loupe.createArtifact('<p>durable</p>');
    const watcher = connectClient(loupe, id);
    await whenSynced(watcher);
    store.failAppends = true;
    const put = await loupe.api(`/api/v1/artifacts/${id}/content`, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: '<p>lost</p>' });
    expect(put.status).toBe(500);
    // Nothing that was not durable was broadcast; live clients are told to resync.
    await expect.poll(() => watcher.closes.some((c) => c.code === CloseCode.STORAGE_FAILED)).toBe(true);
    expect(watcher.text.toString()).toBe('<p>durable</p>');
    store.failAppends = false;
    watcher.destroy();
    const res = await loupe.api(`/api/v1/artifacts/${id}/content`);
    expect(await res.text()).toBe('<p>durable</p>');
  });

  it('compacts a long update log into a snapshot so the document opens from one read', async () => {
    const id = await loupe.createArtifact('');
    const source = new Y.Doc();
    const text = source.getText('html');
    const updates: Uint8Array[] = [];
    source.on('update', (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 100_000; i++) text.insert(text.length, i % 10 === 9 ? '\n' : 'x');
    // Written straight into the log, as 100,000 separately acknowledged edits would be.
    for (let i = 0; i < updates.length; i += 10_000) {
      await store.appendUpdates(updates.slice(i, i + 10_000).map((data) => ({ docName: id, data })));
    }
    const client = connectClient(loupe, id);
    await whenSynced(client);
    expect(client.text.toString()).toBe(text.toString());
    await expect.poll(async () => (await store.loadDoc(id)).updates.length).toBeLessThan(10);
    const stored = await store.loadDoc(id);
    expect(stored.snapshot).not.toBeNull();
    client.destroy();
  });
});
