import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { WebsocketProvider } from 'y-websocket';
import { AGENT_TOKEN } from '../helpers/loupe';
import { peakRssOf, spawnChildLoupe } from '../helpers/spawn-child';
import { CloseCode } from '../../lib/protocol/close-codes';
import { MessageType, SyncMessageType } from '../../lib/protocol/messages';
import { awarenessMessage, frame } from '../helpers/wire';

/**
 * A hostile reader against a real Loupe process: it asks for whole states
 * over and over and never reads the answers. The server's memory (its peak
 * RSS, read from /proc) must stay within a fixed budget, the attacker must be
 * cut off with a named code, and an honest reader of the same page must keep
 * getting live edits.
 */
const VIEWER_TOKEN = 'loupe_' + 'V'.repeat(43);
const MiB = 1024 * 1024;
/** Growth of the server's peak RSS an attack may cause (main grew by 500+ MiB on each of these). */
const MAX_GROWTH_BYTES = 100 * MiB;
/**
 * The same for many sockets that ask once each: the server may still make a
 * couple of answers of their own (the 32 MiB budget of MAX_QUEUED_OWN_ANSWER_BYTES,
 * and each encode's transient copies), but nothing per socket (main: +455 MB for 30).
 */
const MAX_GROWTH_MANY_SOCKETS_BYTES = 250 * MiB;

let child: ChildProcess;
let url: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'loupe-memory-'));
  ({ child, url } = await spawnChildLoupe(dataDir, { TEST_VIEWER_TOKEN: VIEWER_TOKEN }));
});

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** The server's peak resident set so far (VmHWM), in bytes. */
function peakRss(): number {
  return peakRssOf(child);
}

const auth = { authorization: `Bearer ${AGENT_TOKEN}` };

async function createPage(html: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/artifacts`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'big page', html }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function putPage(id: string, html: string): Promise<void> {
  const res = await fetch(`${url}/api/v1/artifacts/${id}/content`, { method: 'PUT', headers: { ...auth, 'content-type': 'text/html' }, body: html });
  expect(res.status).toBe(200);
}

/** An honest reader: the stock y-websocket client, as browsers use it. */
function honestReader(id: string): { text: Y.Text; synced: Promise<void>; provider: WebsocketProvider; destroy(): void } {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${url.replace('http', 'ws')}/collab`, id, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token: VIEWER_TOKEN },
    disableBc: true,
  });
  const synced = new Promise<void>((resolve) => provider.once('sync', () => resolve()));
  return { text: doc.getText('html'), synced, provider, destroy: () => { provider.destroy(); doc.destroy(); } };
}

/**
 * A reader that stops reading as soon as it is connected: its socket is
 * paused, so everything the server sends it stays queued on the server.
 * `resume()` starts reading again, to see how the server closed it.
 */
async function pausedAttacker(id: string): Promise<{ ws: WebSocket; closed: Promise<number>; resume(): void }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/collab/${id}?token=${VIEWER_TOKEN}`);
  let socket: Socket | null = null;
  ws.on('upgrade', (res) => {
    socket = res.socket as Socket;
  });
  ws.on('error', () => {});
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve) => ws.on('open', () => resolve()));
  socket!.pause();
  return { ws, closed, resume: () => socket!.resume() };
}


/** A sync step 1 with a non-empty state vector (a client the server has never seen): its answer is the whole page. */
function syncStep1For(clientId: number): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MessageType.SYNC);
    encoding.writeVarUint(e, SyncMessageType.STEP1);
    encoding.writeVarUint8Array(e, frame((sv) => {
      encoding.writeVarUint(sv, 1);
      encoding.writeVarUint(sv, clientId);
      encoding.writeVarUint(sv, 1);
    }));
  });
}
const syncStep1 = syncStep1For(123_456);
const queryAwareness = frame((e) => encoding.writeVarUint(e, MessageType.QUERY_AWARENESS));

/** One message setting the presence of 64 new client ids to a 15 KiB state each (3,840 ids over 60 rounds). */
function presenceFlood(round: number): Uint8Array {
  const state = JSON.stringify({ view: 'live', round, pad: 'x'.repeat(15 * 1024) });
  return awarenessMessage(Array.from({ length: 64 }, (_, i) => ({ clientId: 900_000 + round * 64 + i, clock: 1, state })));
}


/**
 * Messages on one socket are handled in order, so once the honest reader sees
 * the attacker's presence marker, the server has handled everything the
 * attacker sent before it (while the attacker still reads nothing). Waiting
 * ends early if the server's memory grows past the budget (the test then fails on it).
 */
async function barrier(
  attacker: { ws: WebSocket },
  reader: { provider: WebsocketProvider },
  clientId: number,
  clock: number,
  baseline: number,
  maxGrowth: number = MAX_GROWTH_BYTES,
): Promise<void> {
  attacker.ws.send(awarenessMessage([{ clientId, clock, state: JSON.stringify({ barrier: clock }) }]));
  const seen = () => (reader.provider.awareness.getStates().get(clientId) as { barrier?: number } | undefined)?.barrier === clock;
  await expect.poll(() => seen() || peakRss() - baseline > maxGrowth, { timeout: 20_000, interval: 50 }).toBe(true);
}

/** Waits until the attacker is closed, or the server's peak RSS has grown past the budget (then the test fails). */
async function whenClosedOrOverBudget(closed: Promise<number>, baseline: number): Promise<number | null> {
  let code: number | null = null;
  void closed.then((c) => {
    code = c;
  });
  await expect.poll(() => code !== null || peakRss() - baseline > MAX_GROWTH_BYTES, { timeout: 20_000, interval: 50 }).toBe(true);
  return code;
}

describe('a hostile reader cannot make the server hold memory for it', () => {
  it('answers one whole-state request at a time per socket and cuts off a socket that floods them (sync step 1 against a 15 MiB page)', async () => {
    const page = `<main>${'Lorem ipsum dolor sit amet. '.repeat((15 * MiB) / 28)}</main>`;
    const id = await createPage(page);
    const reader = honestReader(id);
    await reader.synced;
    expect(reader.text.length).toBe(page.length);
    const baseline = peakRss();

    // Ten requests (within the burst) that never get read: the server holds one answer, not ten.
    const attacker = await pausedAttacker(id);
    for (let i = 0; i < 10; i++) attacker.ws.send(syncStep1);
    await barrier(attacker, reader, 777_001, 1, baseline);
    expect(peakRss() - baseline).toBeLessThan(MAX_GROWTH_BYTES);

    // The flood goes on: the socket is cut off, still within the budget.
    for (let i = 0; i < 190; i++) attacker.ws.send(syncStep1);
    attacker.resume();
    const code = await whenClosedOrOverBudget(attacker.closed, baseline);
    expect(peakRss() - baseline).toBeLessThan(MAX_GROWTH_BYTES);
    expect(code).toBe(CloseCode.RATE_LIMITED);

    // The honest reader of the same page still gets live edits.
    await putPage(id, `${page}<p>after the flood</p>`);
    await expect.poll(() => reader.text.toString().endsWith('<p>after the flood</p>'), { timeout: 15_000 }).toBe(true);
    reader.destroy();
  });

  it('does not make a fresh whole-page answer for each of many sockets that ask once and never read (40 sockets, 15 MiB page)', async () => {
    const page = `<main>${'Sed ut perspiciatis unde omnis. '.repeat((15 * MiB) / 32)}</main>`;
    const id = await createPage(page);
    const reader = honestReader(id);
    await reader.synced;
    const baseline = peakRss();

    const attackers = [];
    for (let n = 0; n < 40; n++) {
      const attacker = await pausedAttacker(id);
      attacker.ws.send(syncStep1For(200_000 + n));
      attackers.push(attacker);
    }
    for (const [n, attacker] of attackers.entries()) await barrier(attacker, reader, 300_000 + n, 1, baseline, MAX_GROWTH_MANY_SOCKETS_BYTES);
    expect(peakRss() - baseline).toBeLessThan(MAX_GROWTH_MANY_SOCKETS_BYTES);

    // Every socket was answered all the same (with the page), and the honest reader is still live.
    for (const attacker of attackers) {
      const answered = new Promise<number>((resolve) =>
        attacker.ws.on('message', (data: Buffer) => {
          if (data[0] === MessageType.SYNC && data[1] === SyncMessageType.STEP2) resolve(data.byteLength);
        }),
      );
      attacker.resume();
      expect(await answered).toBeGreaterThan(page.length);
      attacker.ws.close();
    }
    await putPage(id, `${page}<p>still live</p>`);
    await expect.poll(() => reader.text.toString().endsWith('<p>still live</p>'), { timeout: 15_000 }).toBe(true);
    reader.destroy();
  });

  it('bounds what a presence flood and query-awareness requests can make the server queue, and cuts the socket off', async () => {
    const id = await createPage('<p>presence</p>');
    const reader = honestReader(id);
    await reader.synced;
    const baseline = peakRss();

    const attacker = await pausedAttacker(id);
    for (let round = 0; round < 60; round++) attacker.ws.send(presenceFlood(round));
    for (let i = 0; i < 10; i++) attacker.ws.send(queryAwareness);
    // The marker reuses an id the attacker claimed in its first message.
    await barrier(attacker, reader, 900_000, 2, baseline);
    expect(peakRss() - baseline).toBeLessThan(MAX_GROWTH_BYTES);

    for (let i = 0; i < 10; i++) attacker.ws.send(queryAwareness);
    attacker.resume();
    const code = await whenClosedOrOverBudget(attacker.closed, baseline);
    expect(peakRss() - baseline).toBeLessThan(MAX_GROWTH_BYTES);
    expect(code).toBe(CloseCode.RATE_LIMITED);

    await putPage(id, '<p>presence</p><p>still live</p>');
    await expect.poll(() => reader.text.toString(), { timeout: 15_000 }).toBe('<p>presence</p><p>still live</p>');
    reader.destroy();
  });
});
