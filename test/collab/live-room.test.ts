import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { CloseCode } from '../../lib/protocol/close-codes';
import { connectClient, startTestLoupe, whenSynced, type TestLoupe } from '../helpers/loupe';

let loupe: TestLoupe;
beforeAll(async () => {
  loupe = await startTestLoupe();
});
afterAll(async () => {
  await loupe.stop();
});

/** Opens a raw socket and resolves with its close code (for protocol-level checks a stock client hides). */
function rawSocket(path: string): { ws: WebSocket; closed: Promise<{ code: number; reason: string }>; opened: Promise<void> } {
  const ws = new WebSocket(loupe.wsUrl.replace('/collab', '') + path);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const opened = new Promise<void>((resolve) => ws.on('open', () => resolve()));
  ws.on('error', () => {});
  return { ws, closed, opened };
}

describe('content room with stock y-websocket clients', () => {
  it('delivers a writer’s edits to readers, and the HTTP page reflects them', async () => {
    const id = await loupe.createArtifact('<p>start</p>');
    const reader = await loupe.makeToken({ role: 'member', scopes: [] });
    const writer = connectClient(loupe, id);
    const watcher = connectClient(loupe, id, reader);
    await Promise.all([whenSynced(writer), whenSynced(watcher)]);
    expect(watcher.text.toString()).toBe('<p>start</p>');
    writer.text.insert(writer.text.length, '<p>more</p>');
    await expect.poll(() => watcher.text.toString()).toBe('<p>start</p><p>more</p>');
    await expect.poll(async () => (await loupe.api(`/api/v1/artifacts/${id}/content`)).text()).toBe('<p>start</p><p>more</p>');
    writer.destroy();
    watcher.destroy();
  });

  it('drops updates from a read-only connection, server-side', async () => {
    const id = await loupe.createArtifact('<p>original</p>');
    const readerToken = await loupe.makeToken({ role: 'viewer', scopes: ['artifacts:write'] });
    // Its dropped writes are counted by the room it writes to, inspected below in loupe.server.
    const sneaky = connectClient(loupe, id, readerToken, { inProcess: true });
    const honest = connectClient(loupe, id);
    await Promise.all([whenSynced(sneaky), whenSynced(honest)]);
    sneaky.text.insert(0, '<script>evil()</script>');
    // A later legitimate edit proves the pipe is flowing; the dropped one never arrives.
    honest.text.insert(honest.text.length, '<p>ok</p>');
    await expect.poll(async () => (await loupe.api(`/api/v1/artifacts/${id}/content`)).text()).toBe('<p>original</p><p>ok</p>');
    const other = connectClient(loupe, id);
    await whenSynced(other);
    expect(other.text.toString()).toBe('<p>original</p><p>ok</p>');
    expect(loupe.server.services.registry.peek(id)?.droppedWrites).toBeGreaterThan(0);
    for (const c of [sneaky, honest, other]) c.destroy();
  });

  it('shows PUT and streamed writes live to connected readers', async () => {
    const id = await loupe.createArtifact('<h1>Report</h1>\n');
    const reader = connectClient(loupe, id);
    await whenSynced(reader);
    const put = await loupe.api(`/api/v1/artifacts/${id}/content`, {
      method: 'PUT',
      headers: { 'content-type': 'text/html' },
      body: '<h1>Report</h1>\n<p>findings</p>\n',
    });
    expect(put.status).toBe(200);
    await expect.poll(() => reader.text.toString()).toBe('<h1>Report</h1>\n<p>findings</p>\n');

    // A chunked stream: the reader sees the first chunk before the stream ends.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode('<p>part one</p>'));
        await gate;
        controller.enqueue(new TextEncoder().encode('<p>part two</p>'));
        controller.close();
      },
    });
    const streaming = loupe.api(`/api/v1/artifacts/${id}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'text/html' },
      body,
      duplex: 'half',
    } as RequestInit);
    await expect.poll(() => reader.text.toString()).toContain('<p>part one</p>');
    expect(reader.text.toString()).not.toContain('part two');
    release();
    const done = await streaming;
    expect(done.status).toBe(200);
    await expect.poll(() => reader.text.toString()).toBe('<h1>Report</h1>\n<p>findings</p>\n<p>part one</p><p>part two</p>');
    reader.destroy();
  });

  it('fixes presence identity server-side: a client cannot claim another name', async () => {
    const id = await loupe.createArtifact('<p>x</p>');
    const memberToken = await loupe.makeToken({ role: 'member', scopes: [] });
    const liar = connectClient(loupe, id, memberToken);
    const observer = connectClient(loupe, id);
    await Promise.all([whenSynced(liar), whenSynced(observer)]);
    liar.provider.awareness.setLocalStateField('user', { name: 'Admin', color: '#000000', id: 'someone-else' });
    liar.provider.awareness.setLocalStateField('scroll', 0.5);
    await expect
      .poll(() => {
        const state = observer.provider.awareness.getStates().get(liar.doc.clientID);
        return state ? { user: state.user as { name: string }, scroll: state.scroll } : null;
      })
      .toMatchObject({ user: { name: 'member token (agent)' }, scroll: 0.5 });
    liar.destroy();
    observer.destroy();
  });

  it('stamps the identity on the top-level name and colour that label a notes cursor', async () => {
    const id = await loupe.createArtifact('<p>x</p>');
    const memberToken = await loupe.makeToken({ role: 'member', scopes: ['comments:write'] });
    const liar = connectClient(loupe, `${id}/notes`, memberToken);
    const observer = connectClient(loupe, `${id}/notes`);
    await Promise.all([whenSynced(liar), whenSynced(observer)]);
    // The shape Lexical's CollaborationPlugin publishes, with a borrowed name and colour.
    liar.provider.awareness.setLocalState({ name: 'Admin', color: '#000000', focusing: true, anchorPos: null, focusPos: null });
    await expect
      .poll(() => {
        const state = observer.provider.awareness.getStates().get(liar.doc.clientID);
        const user = state?.user as { name: string; color: string } | undefined;
        return state && user ? { name: state.name, color: state.color, matchesUser: state.color === user.color, focusing: state.focusing } : null;
      })
      .toEqual({ name: 'member token (agent)', color: expect.not.stringMatching(/^#000000$/), matchesUser: true, focusing: true });
    // A state without those fields does not gain them.
    liar.provider.awareness.setLocalState({ view: 'live' });
    await expect
      .poll(() => {
        const state = observer.provider.awareness.getStates().get(liar.doc.clientID);
        return state ? { view: state.view, hasName: 'name' in state, hasColor: 'color' in state } : null;
      })
      .toEqual({ view: 'live', hasName: false, hasColor: false });
    liar.destroy();
    observer.destroy();
  });

  it('closes only the offending socket on a malformed message; others carry on', async () => {
    const id = await loupe.createArtifact('<p>a</p>');
    const good = connectClient(loupe, id);
    await whenSynced(good);
    const bad = rawSocket(`/collab/${id}?token=${loupe.token}`);
    await bad.opened;
    bad.ws.send(Buffer.from([0x00, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    expect((await bad.closed).code).toBe(CloseCode.MALFORMED);
    const text = rawSocket(`/collab/${id}?token=${loupe.token}`);
    await text.opened;
    text.ws.send('hello');
    expect((await text.closed).code).toBe(CloseCode.MALFORMED);
    const unknownType = rawSocket(`/collab/${id}?token=${loupe.token}`);
    await unknownType.opened;
    unknownType.ws.send(Buffer.from([0x09]));
    expect((await unknownType.closed).code).toBe(CloseCode.MALFORMED);
    good.text.insert(good.text.length, '<p>b</p>');
    await expect.poll(async () => (await loupe.api(`/api/v1/artifacts/${id}/content`)).text()).toBe('<p>a</p><p>b</p>');
    good.destroy();
  });

  it('closes with named codes for bad rooms and credentials', async () => {
    const id = await loupe.createArtifact('<p>a</p>');
    const otherOrg = await loupe.makeToken({ role: 'owner', scopes: ['artifacts:write'], orgId: crypto.randomUUID() });
    const cases: Array<[string, number]> = [
      [`/collab/${id}?token=loupe_${'B'.repeat(43)}`, CloseCode.UNAUTHORIZED],
      [`/collab/${id}`, CloseCode.UNAUTHORIZED],
      [`/collab/${crypto.randomUUID()}?token=${loupe.token}`, CloseCode.NOT_FOUND],
      [`/collab/${id}?token=${otherOrg}`, CloseCode.NOT_FOUND],
      [`/collab/..%2f..%2fetc%2fpasswd?token=${loupe.token}`, CloseCode.NOT_FOUND],
      [`/collab/${id}/extra?token=${loupe.token}`, CloseCode.NOT_FOUND],
    ];
    for (const [path, code] of cases) {
      const socket = rawSocket(path);
      expect((await socket.closed).code, path).toBe(code);
    }
  });

  it('refuses a live edit that would push the page over 16 MiB', async () => {
    const id = await loupe.createArtifact('<p>small</p>');
    const big = new Y.Doc();
    big.getText('html').insert(0, 'x'.repeat(16 * 1024 * 1024 + 10));
    const socket = rawSocket(`/collab/${id}?token=${loupe.token}`);
    await socket.opened;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0);
    encoding.writeVarUint(encoder, 2);
    encoding.writeVarUint8Array(encoder, Y.encodeStateAsUpdate(big));
    socket.ws.send(encoding.toUint8Array(encoder));
    const closed = await socket.closed;
    expect([CloseCode.TOO_LARGE, 1009]).toContain(closed.code);
    expect(await (await loupe.api(`/api/v1/artifacts/${id}/content`)).text()).toBe('<p>small</p>');
  });

  it('unloads a room when its last client leaves, and reloads it from storage', async () => {
    const id = await loupe.createArtifact('<p>persisted</p>');
    const client = connectClient(loupe, id, loupe.token, { inProcess: true });
    await whenSynced(client);
    expect(loupe.server.services.registry.peek(id)).toBeDefined();
    client.destroy();
    await expect.poll(() => loupe.server.services.registry.peek(id)).toBeUndefined();
    const again = connectClient(loupe, id);
    await whenSynced(again);
    expect(again.text.toString()).toBe('<p>persisted</p>');
    again.destroy();
  });

  it('keeps awareness updates of departed clients out of the room', async () => {
    const id = await loupe.createArtifact('<p>x</p>');
    const a = connectClient(loupe, id);
    const b = connectClient(loupe, id);
    await Promise.all([whenSynced(a), whenSynced(b)]);
    a.provider.awareness.setLocalStateField('here', true);
    await expect.poll(() => b.provider.awareness.getStates().has(a.doc.clientID)).toBe(true);
    a.destroy();
    await expect.poll(() => b.provider.awareness.getStates().has(a.doc.clientID)).toBe(false);
    b.destroy();
  });
});
