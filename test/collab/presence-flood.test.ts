import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { connectClient, startTestLoupe, whenSynced, type TestClient, type TestLoupe } from '../helpers/loupe';
import { MessageType, SyncMessageType } from '../../lib/protocol/messages';
import { awarenessMessage, frame } from '../helpers/wire';
import { MAX_AWARENESS_IDS_PER_SOCKET, MAX_ROOM_AWARENESS_BYTES } from '../../server/collab/limits';

/**
 * Presence is relayed to every member and handed to every joiner, so what one
 * connection may put there is bounded: a few client ids, claimed first, a byte
 * budget per connection and per room. The honest readers are stock
 * y-websocket clients; the attackers are raw sockets of a viewer.
 */
let loupe: TestLoupe;
beforeAll(async () => {
  loupe = await startTestLoupe();
});
afterAll(async () => {
  await loupe.stop();
});

const KiB = 1024;



const emptySyncStep1 = frame((e) => {
  encoding.writeVarUint(e, MessageType.SYNC);
  encoding.writeVarUint(e, SyncMessageType.STEP1);
  encoding.writeVarUint8Array(e, new Uint8Array([0]));
});

/** The client ids (and byte size) of one awareness frame. */
function readAwarenessFrame(data: Uint8Array): { clientIds: number[]; bytes: number } {
  const decoder = decoding.createDecoder(data);
  decoding.readVarUint(decoder);
  const update = decoding.createDecoder(decoding.readVarUint8Array(decoder));
  const count = decoding.readVarUint(update);
  const clientIds: number[] = [];
  for (let i = 0; i < count; i++) {
    clientIds.push(decoding.readVarUint(update));
    decoding.readVarUint(update);
    decoding.readVarString(update);
  }
  return { clientIds, bytes: data.byteLength };
}

interface RawSocket {
  ws: WebSocket;
  /** Resolves once the server has handled everything this socket sent so far (its answer to a sync step 1 came back). */
  handled(): Promise<void>;
  /** Awareness frames received, in order. */
  awareness: Uint8Array[];
}

async function rawSocket(id: string, token: string): Promise<RawSocket> {
  const ws = new WebSocket(`${loupe.wsUrl}/${id}?token=${token}`);
  ws.on('error', () => {});
  const awareness: Uint8Array[] = [];
  let answers = 0;
  ws.on('message', (data: Buffer) => {
    const bytes = new Uint8Array(data);
    if (bytes[0] === MessageType.AWARENESS) awareness.push(bytes);
    // A reader only ever gets sync step 2 as the answer to its own step 1 (broadcasts are updates).
    if (bytes[0] === MessageType.SYNC && bytes[1] === SyncMessageType.STEP2) answers++;
  });
  await new Promise<void>((resolve) => ws.on('open', () => resolve()));
  return {
    ws,
    awareness,
    handled: async () => {
      const expected = answers + 1;
      ws.send(emptySyncStep1);
      await expect.poll(() => answers, { timeout: 15_000 }).toBe(expected);
    },
  };
}

/** Counts the awareness bytes a stock client receives on its socket. */
function countAwarenessBytes(client: TestClient): () => number {
  let bytes = 0;
  const ws = client.provider.ws!;
  ws.addEventListener('message', (event: MessageEvent) => {
    const data = new Uint8Array(event.data as ArrayBuffer);
    if (data[0] === MessageType.AWARENESS) bytes += data.byteLength;
  });
  return () => bytes;
}

describe('presence floods', () => {
  it('keeps a flooding connection to its first few client ids and bounds what members and joiners receive', async () => {
    const id = await loupe.createArtifact('<p>presence</p>');
    const viewer = await loupe.makeToken({ role: 'viewer', scopes: [] });
    const honest = connectClient(loupe, id, await loupe.makeToken({ role: 'viewer', scopes: [] }));
    await whenSynced(honest);
    const received = countAwarenessBytes(honest);

    // The reported flood: 64 new client ids per message, 60 messages, 15 KiB states (3,840 states, 57 MiB).
    const flooder = await rawSocket(id, viewer);
    const big = (round: number) => JSON.stringify({ view: 'live', round, pad: 'x'.repeat(15 * KiB) });
    for (let round = 0; round < 60; round++) {
      flooder.ws.send(awarenessMessage(Array.from({ length: 64 }, (_, i) => ({ clientId: 500_000 + round * 64 + i, clock: 1, state: big(round) }))));
    }
    await flooder.handled();
    const first = Array.from({ length: MAX_AWARENESS_IDS_PER_SOCKET }, (_, i) => 500_000 + i);
    await expect.poll(() => first.every((clientId) => honest.provider.awareness.getStates().has(clientId))).toBe(true);
    const flooderIds = [...honest.provider.awareness.getStates().keys()].filter((clientId) => clientId >= 500_000 && clientId < 600_000);
    expect(flooderIds.sort()).toEqual(first);
    // Main relayed every one of the 3,840 states to every member: 57 MiB each.
    expect(received()).toBeLessThan(1024 * KiB);

    // Twenty more connections of the same viewer, each with its four ids of 15 KiB (4.7 MiB offered in all).
    const others: RawSocket[] = [];
    for (let n = 0; n < 20; n++) {
      const socket = await rawSocket(id, viewer);
      socket.ws.send(awarenessMessage(Array.from({ length: 4 }, (_, i) => ({ clientId: 600_000 + n * 4 + i, clock: 1, state: big(n) }))));
      others.push(socket);
    }
    await Promise.all(others.map((socket) => socket.handled()));

    // A joiner's presence snapshot stays within the room's budget.
    const joiner = await rawSocket(id, viewer);
    await expect.poll(() => joiner.awareness.length).toBeGreaterThan(0);
    const snapshot = readAwarenessFrame(joiner.awareness[0]);
    expect(snapshot.bytes).toBeLessThan(MAX_ROOM_AWARENESS_BYTES + 16 * KiB);
    expect(snapshot.clientIds.filter((clientId) => clientId >= 500_000 && clientId < 600_000).sort()).toEqual(first);

    // A real person who arrives now still shows up: big states cannot crowd small ones out.
    const late = connectClient(loupe, id, await loupe.makeToken({ role: 'viewer', scopes: [] }));
    await whenSynced(late);
    late.provider.awareness.setLocalStateField('view', 'live');

    await expect.poll(() => honest.provider.awareness.getStates().has(late.doc.clientID)).toBe(true);

    for (const socket of [flooder, joiner, ...others]) socket.ws.close();
    honest.destroy();
    late.destroy();
  });

  it('drops states for a client id that another connection claimed first', async () => {
    const id = await loupe.createArtifact('<p>claims</p>');
    const viewer = await loupe.makeToken({ role: 'viewer', scopes: [] });
    const honest = connectClient(loupe, id, viewer);
    await whenSynced(honest);
    honest.provider.awareness.setLocalStateField('view', 'live');
    const observer = connectClient(loupe, id);
    await whenSynced(observer);
    await expect.poll(() => observer.provider.awareness.getStates().has(honest.doc.clientID)).toBe(true);

    const thief = await rawSocket(id, viewer);
    thief.ws.send(awarenessMessage([{ clientId: honest.doc.clientID, clock: 1_000, state: JSON.stringify({ view: 'stolen' }) }]));
    await thief.handled();
    // A later change of the honest client proves the pipe is flowing; the stolen state never arrived.
    honest.provider.awareness.setLocalStateField('view', { version: 2 });
    await expect.poll(() => (observer.provider.awareness.getStates().get(honest.doc.clientID) as { view?: unknown }).view).toEqual({ version: 2 });
    thief.ws.close();
    honest.destroy();
    observer.destroy();
  });
});
