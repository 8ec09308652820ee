import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCode } from '../../lib/protocol/close-codes';
import { loadConfig } from '../../server/config';
import { DEFAULT_MAX_SOCKETS_PER_PRINCIPAL } from '../../server/collab/limits';
import { connectClient, startTestLoupe, whenSynced, type TestClient, type TestLoupe } from '../helpers/loupe';

/**
 * Every socket costs the server memory, so one person may hold only so many:
 * the default leaves room for a browser with many tabs (three rooms each),
 * and the next socket is refused with a named close code.
 */
let loupe: TestLoupe;
beforeAll(async () => {
  loupe = await startTestLoupe();
});
afterAll(async () => {
  await loupe.stop();
});

/** Opens a raw socket; resolves 'open', or the close code if the server refused it. */
function open(path: string, token: string): Promise<{ ws: WebSocket; outcome: 'open' | number }> {
  const ws = new WebSocket(`${loupe.wsUrl}/${path}?token=${token}`);
  ws.on('error', () => {});
  return new Promise((resolve) => {
    ws.once('message', () => resolve({ ws, outcome: 'open' }));
    ws.once('open', () => {
      // A reader gets nothing on join in an empty room: ask for the state to learn the socket was attached.
      ws.send(new Uint8Array([0, 0, 1, 0]));
    });
    ws.once('close', (code) => resolve({ ws, outcome: code }));
  });
}

describe('live sockets per person', () => {
  it('lets a browser with several tabs open every room, and refuses the socket past the cap with TOO_MANY_SOCKETS', async () => {
    const cap = DEFAULT_MAX_SOCKETS_PER_PRINCIPAL;
    const id = await loupe.createArtifact('<p>tabs</p>');
    const viewer = await loupe.makeToken({ role: 'viewer', scopes: [] });

    // Eight tabs, each with the page, the review layer and the notes: 24 sockets, all live.
    const tabs: TestClient[] = [];
    for (let tab = 0; tab < 8; tab++) {
      for (const room of [id, `${id}/review`, `${id}/notes`]) tabs.push(connectClient(loupe, room, viewer));
    }
    await Promise.all(tabs.map((client) => whenSynced(client)));
    expect(tabs.every((client) => client.closes.length === 0)).toBe(true);

    // Up to the cap, more sockets open; the next one is refused with the named code.
    const raw: WebSocket[] = [];
    for (let n = tabs.length; n < cap; n++) {
      const socket = await open(id, viewer);
      expect(socket.outcome).toBe('open');
      raw.push(socket.ws);
    }
    expect((await open(id, viewer)).outcome).toBe(CloseCode.TOO_MANY_SOCKETS);
    // Someone else is not affected.
    expect((await open(id, loupe.token)).outcome).toBe('open');

    // Closing one frees its place.
    const closed = new Promise((resolve) => raw[0].once('close', resolve));
    raw[0].close();
    await closed;
    await expect.poll(async () => {
      const retry = await open(id, viewer);
      if (retry.outcome === 'open') raw[0] = retry.ws;
      return retry.outcome;
    }).toBe('open');

    for (const ws of raw) ws.close();
    for (const client of tabs) client.destroy();
  });

  it('takes the cap from MAX_SOCKETS_PER_PRINCIPAL, by default one that fits a score of tabs', () => {
    expect(loadConfig({}).maxSocketsPerPrincipal).toBe(DEFAULT_MAX_SOCKETS_PER_PRINCIPAL);
    expect(DEFAULT_MAX_SOCKETS_PER_PRINCIPAL).toBeGreaterThanOrEqual(3 * 20);
    expect(loadConfig({ MAX_SOCKETS_PER_PRINCIPAL: '1000' }).maxSocketsPerPrincipal).toBe(1000);
    expect(() => loadConfig({ MAX_SOCKETS_PER_PRINCIPAL: '0' })).toThrow(/MAX_SOCKETS_PER_PRINCIPAL/);
  });
});
