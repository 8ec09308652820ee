// A room's seq tracking on its own: gaps read from storage once (one catch-up in flight per room), and
// the single-process default never reads storage for it.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { SqliteStore } from '../../lib/store/sqlite';
import type { StoredDoc } from '../../lib/store/types';
import { docNameFor } from '../../lib/protocol/ids';
import { RoomRegistry } from '../../server/collab/registry';
import type { Room } from '../../server/collab/room';
import { LocalPubSub } from '../../server/pubsub/local';
import { silentLogger } from '../../server/log';

/** The real SQLite backend, counting catch-up reads, whose loadDocAfter can be held at a gate. */
class CountingStore extends SqliteStore {
  loadDocAfterCalls = 0;
  latestSeqCalls = 0;
  gate: Promise<void> | null = null;
  override async loadDocAfter(docName: string, afterSeq: number): Promise<StoredDoc> {
    this.loadDocAfterCalls++;
    if (this.gate) await this.gate;
    return super.loadDocAfter(docName, afterSeq);
  }
  override async latestSeq(docName: string): Promise<number> {
    this.latestSeqCalls++;
    return super.latestSeq(docName);
  }
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setup(fansOut: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-catch-up-'));
  const store = new CountingStore(join(dir, 'loupe.db'));
  const bus = new LocalPubSub({ fansOut });
  const registries = ['a', 'b'].map((nodeId) => new RoomRegistry({ store, pubsub: bus, nodeId, logger: silentLogger, idleUnloadMs: 60_000 }));
  cleanups.push(async () => {
    await Promise.all(registries.map((registry) => registry.closeAll()));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const id = randomUUID();
  const name = { artifactId: id, kind: 'content' as const, docName: docNameFor(id, 'content') };
  return { store, registries, name };
}

const textOf = (room: Room) => room.doc.getText('html').toString();
const append = (room: Room, piece: string) => room.applyLocal((doc) => doc.getText('html').insert(doc.getText('html').length, piece), 'test');

describe('room catch-up', () => {
  it('reads a gap from storage once per room, however many updates arrive while it reads', async () => {
    const { store, registries, name } = setup(true);
    const [roomA, roomB] = await Promise.all(registries.map((registry) => registry.acquire(name)));
    append(roomA, '<p>one</p>');
    await roomA.whenDurable();
    await expect.poll(() => textOf(roomB)).toBe('<p>one</p>');

    // Stored by a process whose news never arrived: a gap for both rooms.
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(roomA.doc));
    const known = Y.encodeStateVector(other);
    other.getText('html').insert(other.getText('html').length, '<p>unannounced</p>');
    await store.appendUpdates([{ docName: name.docName, data: Y.encodeStateAsUpdate(other, known) }]);

    let open!: () => void;
    store.gate = new Promise((resolve) => (open = resolve));
    const callsBefore = store.loadDocAfterCalls;
    append(roomA, '<p>two</p>');
    await roomA.whenDurable();
    // A's own rows do not follow on its appliedSeq: it reads (held at the gate); B sees the gap in A's message and reads too.
    await expect.poll(() => store.loadDocAfterCalls - callsBefore).toBe(2);
    for (let i = 0; i < 20; i++) {
      append(roomA, `<p>more ${i}</p>`);
      await roomA.whenDurable();
    }
    // Everything written meanwhile waits for the catch-ups already in flight.
    expect(store.loadDocAfterCalls - callsBefore).toBe(2);
    store.gate = null;
    open();
    const expected = await (async () => {
      await Promise.all([roomA.upToDate(), roomB.upToDate()]);
      const stored = await store.loadDoc(name.docName);
      const doc = new Y.Doc();
      if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
      for (const update of stored.updates) Y.applyUpdate(doc, update);
      return doc.getText('html').toString();
    })();
    expect(expected).toContain('<p>unannounced</p>');
    expect(expected).toContain('<p>more 19</p>');
    expect(textOf(roomA)).toBe(expected);
    expect(textOf(roomB)).toBe(expected);
    expect(roomA.appliedSeq).toBe(await store.latestSeq(name.docName));
    expect(roomB.appliedSeq).toBe(roomA.appliedSeq);
    for (const registry of registries) registry.release(registry.peek(name.docName)!);
  });

  it('never reads storage for it in the single-process default', async () => {
    const { store, registries, name } = setup(false);
    const room = await registries[0].acquire(name);
    for (let i = 0; i < 50; i++) {
      append(room, `<p>${i}</p>`);
      if (i % 5 === 0) await room.whenDurable();
    }
    await room.upToDate();
    await room.whenApplied();
    await room.catchUp();
    expect(store.loadDocAfterCalls).toBe(0);
    expect(store.latestSeqCalls).toBe(0);
    expect(room.appliedSeq).toBe(await store.latestSeq(name.docName));
    expect(room.catchUps).toBe(0);
    registries[0].release(room);
  });
});
