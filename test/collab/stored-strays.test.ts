import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { createAnchor } from '../../lib/review/anchor';
import { CloseCode } from '../../lib/protocol/close-codes';
import { runRetentionSweep } from '../../server/governance/retention';
import { connectClient, openStoreOfDataDir, startTestLoupe, whenSynced, type TestLoupe } from '../helpers/loupe';

/**
 * Issue 11, finding 5: a document stored before the schema rule may hold a
 * 20,000-deep Y.Map under `meta` (and other strays). No read, export,
 * version or purge may fail on it; it is repaired inside the CRDT when the
 * room builds it (comment anchors stay valid), and a client re-sending the
 * old update cannot bring it back.
 */

const DEPTH = 20_000;
const PAGE = '<h1>Incident 42</h1>\n<p id="fix">We added request coalescing.</p>\n<p>Owner: SRE</p>\n';

const dataDir = mkdtempSync(join(tmpdir(), 'loupe-strays-'));
let loupe: TestLoupe;
let admin: Record<string, string>;
let id: string;
let threadId: string;
/** The update that wrote the strays, as an old client would still hold it. */
let strayUpdate: Uint8Array;

beforeAll(async () => {
  loupe = await startTestLoupe({ dataDir });
  admin = await loupe.sessionHeaders(await loupe.userOfToken(loupe.token));
  id = await loupe.createArtifact(PAGE);
  // A pinned comment thread on the paragraph, made the way the app makes one.
  const content = connectClient(loupe, id);
  await whenSynced(content);
  const anchor = createAnchor(content.text, { kind: 'element', tag: 'p', ordinal: 0, selector: 'p:nth-of-type(1)', quote: 'We added request coalescing.', prefix: '', suffix: '' });
  content.destroy();
  const created = await fetch(`${loupe.url}/api/v1/artifacts/${id}/threads`, {
    method: 'POST',
    headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify({ anchor, text: 'Which service?' }),
  });
  expect(created.status).toBe(201);
  threadId = ((await created.json()) as { id: string }).id;
  await loupe.stop();

  // Storage as an older server left it: strays appended straight through the store.
  const store = await openStoreOfDataDir(dataDir);
  const stored = await store.loadDoc(id);
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const update of stored.updates) Y.applyUpdate(doc, update);
  const before = Y.encodeStateVector(doc);
  doc.transact(() => {
    let map = doc.getMap('meta');
    for (let i = 0; i < DEPTH; i++) {
      const next = new Y.Map();
      map.set('deep', next);
      map = next;
    }
    doc.getMap('side').set('blob', new Uint8Array(64 * 1024).fill(1));
    // An embed inside the page text, before the pinned paragraph.
    doc.getText('html').insertEmbed(5, new Y.Map());
  });
  strayUpdate = Y.encodeStateAsUpdate(doc, before);
  await store.appendUpdates([{ docName: id, data: strayUpdate }]);
  await store.close();

  loupe = await startTestLoupe({ dataDir });
  admin = await loupe.sessionHeaders(await loupe.userOfToken(loupe.token));
});

afterAll(async () => {
  await loupe.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const asAdmin = (path: string, init: RequestInit = {}) =>
  fetch(loupe.url + path, { ...init, headers: { ...admin, ...(init.body ? { 'content-type': 'application/json' } : {}) } });

/** The stored document as a fresh process would read it. */
async function storedDoc(): Promise<Y.Doc> {
  const stored = await loupe.store.loadDoc(id);
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const update of stored.updates) Y.applyUpdate(doc, update);
  return doc;
}

describe('a stored document with a 20,000-deep map and other strays', () => {
  it('is read, exported and versioned without error', async () => {
    const content = await loupe.api(`/api/v1/artifacts/${id}/content`);
    expect(content.status).toBe(200);
    expect(await content.text()).toBe(PAGE);

    const exported = await asAdmin(`/api/v1/artifacts/${id}/export`);
    expect(exported.status).toBe(200);
    const zip = Buffer.from(await exported.arrayBuffer());
    expect(zip.includes(Buffer.from(PAGE))).toBe(true);

    const cut = await loupe.api(`/api/v1/artifacts/${id}/versions`, { method: 'POST' });
    expect(cut.status).toBe(201);
    const n = ((await cut.json()) as { n: number }).n;
    expect((await loupe.api(`/api/v1/artifacts/${id}/versions`)).status).toBe(200);
    expect(await (await loupe.api(`/api/v1/artifacts/${id}/versions/${n}/content`)).text()).toBe(PAGE);
  });

  it('is repaired in the CRDT on load: the strays are gone from memory, storage and every client, and the repair is audited', async () => {
    const fresh = connectClient(loupe, id);
    await whenSynced(fresh);
    expect(Array.from(fresh.doc.getMap('meta').keys()).sort()).toEqual(['kind', 'latestVersion', 'project', 'session', 'title']);
    expect(fresh.doc.getMap('side').size).toBe(0);
    expect(fresh.text.toDelta()).toEqual([{ insert: PAGE }]);
    fresh.destroy();
    // Compacted: what is stored now holds none of it, and reads back without walking 20,000 levels.
    await expect.poll(async () => (await loupe.store.loadDoc(id)).updates.length).toBe(0);
    const stored = await storedDoc();
    expect(Object.keys(stored.getMap('meta').toJSON()).sort()).toEqual(['kind', 'latestVersion', 'project', 'session', 'title']);
    expect(stored.getMap('side').size).toBe(0);
    expect(stored.getText('html').toString()).toBe(PAGE);
    const repairs = await loupe.store.listAudit({ orgId: await loupe.orgId(), action: 'artifact.repair', limit: 10 });
    expect(repairs).toHaveLength(1);
    expect(repairs[0]).toMatchObject({ artifactId: id, actorKind: 'system', details: { room: 'content' } });
    // The embed was deleted in place: the pinned paragraph's anchor still resolves, unchanged.
    const thread = (await (await loupe.api(`/api/v1/artifacts/${id}/threads/${threadId}`)).json()) as { anchorState: string };
    expect(thread.anchorState).toBe('ok');
  });

  it('is not brought back by a client re-sending the old update, and is purged without error', async () => {
    const replayer = connectClient(loupe, id);
    const watcher = connectClient(loupe, id);
    await Promise.all([whenSynced(replayer), whenSynced(watcher)]);
    // Its copy already has those items (deleted), so a stock client would not send them: a hostile one sends the bytes.
    const frame = encoding.createEncoder();
    encoding.writeVarUint(frame, 0); // sync
    encoding.writeVarUint(frame, 2); // update
    encoding.writeVarUint8Array(frame, strayUpdate);
    replayer.provider.ws!.send(encoding.toUint8Array(frame));
    await expect.poll(() => replayer.closes.map((close) => close.code), { timeout: 10_000 }).toContain(CloseCode.DISALLOWED_UPDATE);
    replayer.destroy();
    // The room carries on; nothing came back.
    const writer = connectClient(loupe, id);
    await whenSynced(writer);
    writer.text.insert(writer.text.length, '<p>later</p>');
    await expect.poll(() => watcher.text.toString()).toBe(PAGE + '<p>later</p>');
    expect(watcher.doc.getMap('meta').has('deep')).toBe(false);
    expect(watcher.doc.getMap('side').size).toBe(0);
    writer.destroy();
    watcher.destroy();
    expect((await asAdmin(`/api/v1/artifacts/${id}/export`)).status).toBe(200);

    // Then the purge: an untouched artifact past its org's retention period goes in the next sweep.
    await loupe.store.touchArtifact(id, { updatedAt: Date.now() - 40 * 24 * 3600 * 1000 });
    expect((await asAdmin('/api/v1/org', { method: 'PATCH', body: JSON.stringify({ retentionDays: 30 }) })).status).toBe(200);
    try {
      expect(await runRetentionSweep(loupe.server.services)).toBeGreaterThanOrEqual(1);
    } finally {
      await asAdmin('/api/v1/org', { method: 'PATCH', body: JSON.stringify({ retentionDays: null }) });
    }
    expect(await loupe.store.getArtifact(id)).toBeNull();
    expect((await loupe.store.loadDoc(id)).lastSeq).toBe(0);
  });
});
