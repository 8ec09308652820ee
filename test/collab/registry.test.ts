import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SqliteStore } from '../../lib/store/sqlite';
import type { StoredDoc } from '../../lib/store/types';
import { docNameFor } from '../../lib/protocol/ids';
import { RoomRegistry } from '../../server/collab/registry';
import { LocalPubSub } from '../../server/pubsub/local';
import { silentLogger } from '../../server/log';

/** The real SQLite backend, counting loads. */
class CountingStore extends SqliteStore {
  loads = 0;
  override async loadDoc(docName: string): Promise<StoredDoc> {
    this.loads++;
    return super.loadDoc(docName);
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-registry-'));
  dirs.push(dir);
  const store = new CountingStore(join(dir, 'loupe.db'));
  const registry = new RoomRegistry({ store, pubsub: new LocalPubSub(), nodeId: 'n1', logger: silentLogger, idleUnloadMs: 0 });
  const id = randomUUID();
  return { store, registry, name: { artifactId: id, kind: 'content' as const, docName: docNameFor(id, 'content') } };
}

describe('room registry', () => {
  it('shares one load between concurrent users of a room', async () => {
    const { store, registry, name } = setup();
    const rooms = await Promise.all(Array.from({ length: 20 }, () => registry.acquire(name)));
    expect(new Set(rooms).size).toBe(1);
    expect(store.loads).toBe(1);
    for (const room of rooms) registry.release(room);
    await registry.closeAll();
    await store.close();
  });

  it('persists what was written, unloads when released, and loads it back', async () => {
    const { store, registry, name } = setup();
    await registry.withRoom(name, async (room) => {
      room.applyLocal((doc) => doc.getText('html').insert(0, '<p>kept</p>'), 'test');
      await room.whenDurable();
    });
    await expect.poll(() => registry.peek(name.docName)).toBeUndefined();
    const text = await registry.withRoom(name, async (room) => room.doc.getText('html').toString());
    expect(text).toBe('<p>kept</p>');
    expect(store.loads).toBe(2);
    await registry.closeAll();
    await store.close();
  });
});
