import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { CloseCode } from '../../lib/protocol/close-codes';
import { connectClient, startTestLoupe, whenSynced, type TestClient, type TestLoupe } from '../helpers/loupe';
import { $writeRichNote, connectLexicalNotes } from '../helpers/lexical-notes';

/**
 * Issue 11, finding 4: each room accepts only what Loupe's own clients write.
 * A writer's update outside the rule closes that socket with a named code
 * before anything is applied; nothing of it is stored (read back over HTTP
 * and by a fresh client after a restart) and the room keeps serving the others.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'loupe-schema-'));
let loupe: TestLoupe;
beforeAll(async () => {
  loupe = await startTestLoupe({ dataDir });
});
afterAll(async () => {
  await loupe.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const PAGE = '<h1>Report</h1><p>findings</p>';
const BINARY = new Uint8Array(256 * 1024).fill(7);

/** Artifacts attacked below, with what their content document must still hold after a restart. */
const attacked: Array<{ id: string; html: string; meta: Record<string, unknown> }> = [];

/** Waits for the server to close `client` with `code`, then stops it (a stock client would reconnect and send it again). */
async function expectClosedWith(client: TestClient, code: number): Promise<void> {
  await expect.poll(() => client.closes.map((close) => close.code), { timeout: 10_000 }).toContain(code);
  client.destroy();
}

/** Sends update bytes as a sync update on the client's socket, as a hostile client would. */
function sendRawUpdate(client: TestClient, update: Uint8Array): void {
  const frame = encoding.createEncoder();
  encoding.writeVarUint(frame, 0); // sync
  encoding.writeVarUint(frame, 2); // update
  encoding.writeVarUint8Array(frame, update);
  client.provider.ws!.send(encoding.toUint8Array(frame));
}

/** The content document as a fresh stock client receives it: its roots, the page and the metadata. */
async function freshView(id: string): Promise<{ roots: string[]; html: string; meta: Record<string, unknown> }> {
  const fresh = connectClient(loupe, id);
  await whenSynced(fresh);
  const view = { roots: sharedKeys(fresh.doc), html: fresh.text.toString(), meta: fresh.doc.getMap('meta').toJSON() };
  fresh.destroy();
  return view;
}

/** Names of the roots that hold anything (an empty `doc.share` entry is only a lookup). */
function sharedKeys(doc: Y.Doc): string[] {
  return Array.from(doc.share.entries())
    .filter(([, type]) => type._start !== null || type._map.size > 0)
    .map(([key]) => key)
    .sort();
}

const contentAttacks: Array<[string, (doc: Y.Doc) => void]> = [
  ['binary in a side map', (doc) => doc.getMap('side').set('blob', BINARY)],
  ['binary in meta', (doc) => doc.getMap('meta').set('blob', BINARY)],
  ['an embed in the page text', (doc) => doc.getText('html').insertEmbed(4, { image: 'x'.repeat(100_000) })],
  ['format attributes on the page text', (doc) => doc.getText('html').format(0, 4, { bold: true })],
  ['text inserted with attributes', (doc) => doc.getText('html').insert(0, 'x', { italic: true })],
  ['a sub-document', (doc) => doc.getMap('side').set('sub', new Y.Doc())],
  ['a nested type in the page text', (doc) => doc.getText('html').insertEmbed(0, new Y.Map())],
  ['a nested map under meta', (doc) => doc.getMap('meta').set('deep', new Y.Map())],
  ['another text root', (doc) => doc.getText('other').insert(0, 'x'.repeat(100_000))],
  ['an array root', (doc) => doc.getArray('side').push(['x'])],
  ['writing meta.latestVersion', (doc) => doc.getMap('meta').set('latestVersion', 999)],
  ['overwriting meta.title', (doc) => doc.getMap('meta').set('title', 'Pwned')],
  ['deleting meta.title', (doc) => doc.getMap('meta').delete('title')],
];

describe('content room: clients write the page text and nothing else', () => {
  it.each(contentAttacks)('refuses %s with DISALLOWED_UPDATE, stores nothing, and keeps serving the others', async (_what, attack) => {
    const id = await loupe.createArtifact(PAGE);
    // A version makes meta.latestVersion exist, so overwriting it goes through an origin, not a key.
    expect((await loupe.api(`/api/v1/artifacts/${id}/versions`, { method: 'POST' })).status).toBe(201);
    const reader = await loupe.makeToken({ role: 'member', scopes: [] });
    const observer = connectClient(loupe, id, reader);
    const writer = connectClient(loupe, id);
    const attacker = connectClient(loupe, id);
    await Promise.all([whenSynced(observer), whenSynced(writer), whenSynced(attacker)]);
    const metaBefore = observer.doc.getMap('meta').toJSON();
    expect(metaBefore).toMatchObject({ title: 'Test page', latestVersion: 1 });

    attack(attacker.doc);
    await expectClosedWith(attacker, CloseCode.DISALLOWED_UPDATE);

    // The room still works for everyone else: a legitimate edit reaches the reader live.
    writer.text.insert(writer.text.length, '<p>still live</p>');
    const html = PAGE + '<p>still live</p>';
    await expect.poll(() => observer.text.toString()).toBe(html);
    expect(writer.closes).toEqual([]);
    expect(observer.closes).toEqual([]);
    // Nothing of the refused update was applied, relayed or stored.
    expect(sharedKeys(observer.doc)).toEqual(['html', 'meta']);
    expect(observer.doc.getMap('meta').toJSON()).toEqual(metaBefore);
    expect(await (await loupe.api(`/api/v1/artifacts/${id}/content`)).text()).toBe(html);
    const fresh = await freshView(id);
    expect(fresh).toEqual({ roots: ['html', 'meta'], html, meta: metaBefore });
    attacked.push({ id, html, meta: metaBefore });
    writer.destroy();
    observer.destroy();
  });

  it('refuses a nested type whose parent is named by id (not by origin) in the same update', async () => {
    const id = await loupe.createArtifact(PAGE);
    const attacker = connectClient(loupe, id);
    await whenSynced(attacker);
    // A map embedded in the page, filled in the same transaction: its entries name it as their parent.
    attacker.doc.transact(() => {
      const inner = new Y.Map<Uint8Array>();
      attacker.text.insertEmbed(0, inner);
      inner.set('blob', BINARY);
    });
    await expectClosedWith(attacker, CloseCode.DISALLOWED_UPDATE);
    expect(await freshView(id)).toMatchObject({ roots: ['html', 'meta'], html: PAGE });
  });

  it('refuses an update that depends on items the room does not have (it would be held pending, unseen, forever)', async () => {
    const id = await loupe.createArtifact(PAGE);
    // Both in the process whose room is inspected below (the watcher keeps it loaded there).
    const sender = connectClient(loupe, id, loupe.token, { inProcess: true });
    const watcher = connectClient(loupe, id, await loupe.makeToken({ role: 'member', scopes: [] }), { inProcess: true });
    await Promise.all([whenSynced(sender), whenSynced(watcher)]);
    // Page text whose first half never reaches the server: the second half continues a clock the room has not seen.
    const elsewhere = new Y.Doc();
    elsewhere.getText('html').insert(0, 'a'.repeat(1000));
    const seen = Y.encodeStateVector(elsewhere);
    elsewhere.getText('html').insert(1000, 'b'.repeat(100_000));
    sendRawUpdate(sender, Y.encodeStateAsUpdate(elsewhere, seen));
    await expectClosedWith(sender, CloseCode.DISALLOWED_UPDATE);
    // Nothing held pending in the live room (the watcher keeps it loaded), nothing stored.
    expect(loupe.server.services.registry.peek(id)!.doc.store.pendingStructs).toBeNull();
    watcher.destroy();
    const stored = await loupe.store.loadDoc(id);
    expect(stored.updates.reduce((bytes, update) => bytes + update.byteLength, stored.snapshot?.byteLength ?? 0)).toBeLessThan(100_000);
    expect(await freshView(id)).toMatchObject({ roots: ['html', 'meta'], html: PAGE });
  });

  it('still refuses every one of them after a restart, and their documents are as they were', async () => {
    expect(attacked.length).toBe(contentAttacks.length);
    await loupe.stop();
    loupe = await startTestLoupe({ dataDir });
    for (const { id, html, meta } of attacked) {
      expect(await (await loupe.api(`/api/v1/artifacts/${id}/content`)).text()).toBe(html);
      // Shutting down cut the pending automatic version, so latestVersion may have moved on (the server writes it).
      expect(await freshView(id)).toEqual({ roots: ['html', 'meta'], html, meta: { ...meta, latestVersion: expect.any(Number) } });
    }
  });
});

describe('notes room: the shapes @lexical/yjs writes, within a size bound', () => {
  it('accepts a real Lexical client’s rich note, which a second Lexical client and a restart read back', async () => {
    const id = await loupe.createArtifact(PAGE);
    const author = await connectLexicalNotes(loupe, id);
    await author.write(() => $writeRichNote('one'));
    const expected = author.text();
    expect(expected).toContain('nested item');
    const reader = await connectLexicalNotes(loupe, id);
    await expect.poll(() => reader.text()).toBe(expected);
    // Edits both ways keep flowing.
    await reader.write(() => $writeRichNote('two'));
    await expect.poll(() => author.text()).toContain('Incident two');
    expect([...author.client.closes, ...reader.client.closes]).toEqual([]);
    const both = author.text();
    author.destroy();
    reader.destroy();
    await loupe.stop();
    loupe = await startTestLoupe({ dataDir });
    const later = await connectLexicalNotes(loupe, id);
    await expect.poll(() => later.text()).toBe(both);
    later.destroy();
  });

  const notesAttacks: Array<[string, number, (doc: Y.Doc) => void]> = [
    ['binary as a node property', CloseCode.DISALLOWED_UPDATE, (doc) => doc.get('root', Y.XmlText).setAttribute('blob', BINARY as unknown as string)],
    ['a root other than Lexical’s', CloseCode.DISALLOWED_UPDATE, (doc) => doc.getMap('side').set('x', 'y')],
    ['an embed', CloseCode.DISALLOWED_UPDATE, (doc) => doc.get('root', Y.XmlText).insertEmbed(0, { image: 'x' })],
    ['format attributes', CloseCode.DISALLOWED_UPDATE, (doc) => doc.get('root', Y.XmlText).insert(0, 'bold', { bold: true })],
    ['a sub-document', CloseCode.DISALLOWED_UPDATE, (doc) => doc.get('root', Y.XmlText).setAttribute('sub', new Y.Doc() as unknown as string)],
    ['an array', CloseCode.DISALLOWED_UPDATE, (doc) => doc.get('root', Y.XmlText).insertEmbed(0, new Y.Array())],
    [
      'nesting 40 levels deep',
      CloseCode.DISALLOWED_UPDATE,
      (doc) =>
        doc.transact(() => {
          let parent = doc.get('root', Y.XmlText);
          for (let i = 0; i < 40; i++) {
            const child = new Y.XmlText();
            parent.insertEmbed(0, child);
            parent = child;
          }
        }),
    ],
    ['a document over 2 MiB', CloseCode.TOO_LARGE, (doc) => doc.get('root', Y.XmlText).insert(0, 'x'.repeat(2.5 * 1024 * 1024))],
  ];

  it.each(notesAttacks)('refuses %s with its named code and keeps the note', async (_what, code, attack) => {
    const id = await loupe.createArtifact(PAGE);
    const author = await connectLexicalNotes(loupe, id);
    await author.write(() => $writeRichNote('kept'));
    const note = author.text();
    const attacker = connectClient(loupe, `${id}/notes`);
    await whenSynced(attacker);
    attack(attacker.doc);
    await expectClosedWith(attacker, code);
    await author.write(() => $writeRichNote('after'));
    // The author's edit still reaches the room (a stock client sees it) and a new Lexical reader renders it all.
    const stored = connectClient(loupe, `${id}/notes`);
    const authorXml = () => author.client.doc.get('root', Y.XmlText).toString();
    await expect.poll(async () => (await whenSynced(stored), stored.doc.get('root', Y.XmlText).toString())).toBe(authorXml());
    stored.destroy();
    const reader = await connectLexicalNotes(loupe, id);
    await expect.poll(() => reader.text()).toBe(author.text());
    expect([...author.errors, ...reader.errors]).toEqual([]);
    expect(reader.text()).toContain(note);
    expect(sharedKeys(reader.client.doc)).toEqual(['root']);
    expect(author.client.closes).toEqual([]);
    author.destroy();
    reader.destroy();
  });
});
