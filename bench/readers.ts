// A process of R raw readers. Each asks for the document (sync step 1 with an empty state vector;
// Hocuspocus: after an Auth frame) and then only listens; it finds the writer's markers
// `@@<seq>:<sentUs>@@` in the frames it receives (Yjs strings travel as UTF-8, so they are visible in
// the bytes) and records first-arrival latency per (reader, edit), and every arrival of a marker it
// already had as a duplicate. Commands arrive as JSON lines on stdin.
//
// Where the readers connect: READERS_URL × READERS_COUNT (every reader on one y-websocket URL), or,
// with READERS_FROM_STDIN=1, the first stdin line `{"type":"open","endpoints":[…]}` (one Endpoint per
// reader: its URL, wire protocol and document; readers spread over instances and documents).
// READERS_VERIFY=1: each reader also applies what it receives to a Y.Doc, and reports the text's
// length and the Yjs units it received more than once (for updates without markers: the ingest).
import WebSocket from 'ws';
import * as Y from 'yjs';
import { createInterface } from 'node:readline';
import { nowUs, summarize } from './stats';
import { helloFrames, isSyncStep2, readSync, type Endpoint } from './protocol';

const MARKER_START = Buffer.from('@@');
const COLON = 58;
const ZERO = 48;
const verify = process.env.READERS_VERIFY === '1';

/** Parses `<seq>:<sentUs>@@` at `at`; null if the bytes there are not a marker. */
function readMarker(data: Buffer, at: number): { seq: number; sentUs: number } | null {
  let seq = 0;
  let i = at;
  while (i < data.length && data[i] >= ZERO && data[i] <= ZERO + 9) seq = seq * 10 + (data[i++] - ZERO);
  if (i === at || data[i] !== COLON) return null;
  const start = ++i;
  let sentUs = 0;
  while (i < data.length && data[i] >= ZERO && data[i] <= ZERO + 9) sentUs = sentUs * 10 + (data[i++] - ZERO);
  if (i === start || data[i] !== 64 /* @ */) return null;
  return { seq, sentUs };
}

interface Reader {
  seen: Uint8Array;
  seenCount: number;
  lastArrivalUs: number;
  ready: boolean;
  closedEarly: boolean;
  doc: Y.Doc | null;
}

const capacity = Math.max(1 << 16, Number(process.env.READERS_CAPACITY ?? 0));
const readers: Reader[] = [];
const sockets: WebSocket[] = [];
let latencies = new Float64Array(1 << 20);
let latencyCount = 0;
let duplicates = 0;
let duplicateUnits = 0;
let ready = 0;
let bytesReceived = 0;
let closing = false;

function record(latencyMs: number): void {
  if (latencyCount === latencies.length) {
    const grown = new Float64Array(latencies.length * 2);
    grown.set(latencies);
    latencies = grown;
  }
  latencies[latencyCount++] = latencyMs;
}

function say(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** Yjs units in `update` this reader's document already holds: what it was sent twice. */
function unitsAlreadyHeld(doc: Y.Doc, update: Uint8Array): number {
  let held = 0;
  for (const struct of Y.decodeUpdate(update).structs) {
    if (struct.constructor === Y.Skip) continue;
    const have = Y.getState(doc.store, struct.id.client);
    held += Math.max(0, Math.min(have, struct.id.clock + struct.length) - struct.id.clock);
  }
  return held;
}

function openReader(i: number, endpoint: Endpoint, total: number): void {
  const reader: Reader = { seen: new Uint8Array(capacity), seenCount: 0, lastArrivalUs: 0, ready: false, closedEarly: false, doc: verify ? new Y.Doc() : null };
  readers.push(reader);
  const ws = new WebSocket(endpoint.url, { perMessageDeflate: false });
  sockets.push(ws);
  ws.binaryType = 'nodebuffer';
  ws.on('open', () => {
    for (const frame of helloFrames(endpoint)) ws.send(frame);
  });
  ws.on('error', (error) => process.stderr.write(`reader ${i}: ${error.message}\n`));
  ws.on('close', (code) => {
    if (closing) return;
    reader.closedEarly = true;
    process.stderr.write(`reader ${i} closed ${code}\n`);
  });
  ws.on('message', (data: Buffer) => {
    const at = nowUs();
    bytesReceived += data.byteLength;
    if (reader.doc) {
      const sync = readSync(endpoint.wire, data);
      if (sync && sync.kind !== 'step1') {
        duplicateUnits += unitsAlreadyHeld(reader.doc, sync.payload);
        Y.applyUpdate(reader.doc, sync.payload);
      }
    }
    // The first sync step 2 means this reader has the document.
    if (!reader.ready && isSyncStep2(endpoint.wire, data)) {
      reader.ready = true;
      ready++;
      if (ready === total) say({ type: 'ready' });
      return;
    }
    if (!reader.ready) return;
    // Scan bytes, not a decoded string: 500 readers × 100 frames/s must stay cheap here.
    let from = data.indexOf(MARKER_START);
    while (from >= 0) {
      const parsed = readMarker(data, from + 2);
      if (parsed) {
        const { seq, sentUs } = parsed;
        if (seq < reader.seen.length && !reader.seen[seq]) {
          reader.seen[seq] = 1;
          reader.seenCount++;
          reader.lastArrivalUs = at;
          record((at - sentUs) / 1000);
        } else if (seq < reader.seen.length) {
          duplicates++;
        }
      }
      from = data.indexOf(MARKER_START, from + 2);
    }
  });
}

function openAll(endpoints: Endpoint[]): void {
  endpoints.forEach((endpoint, i) => openReader(i, endpoint, endpoints.length));
}

if (process.env.READERS_FROM_STDIN !== '1') {
  const url = process.env.READERS_URL!;
  openAll(Array.from({ length: Number(process.env.READERS_COUNT) }, () => ({ url, wire: 'y-websocket' as const, doc: '' })));
}

type Command =
  | { type: 'open'; endpoints: Endpoint[] }
  | { type: 'reset' }
  | { type: 'report'; expect: number; timeoutMs: number };

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const command = JSON.parse(line) as Command;
  if (command.type === 'open') {
    openAll(command.endpoints);
    return;
  }
  if (command.type === 'reset') {
    for (const reader of readers) {
      reader.seen = new Uint8Array(capacity);
      reader.seenCount = 0;
      reader.lastArrivalUs = 0;
    }
    latencyCount = 0;
    duplicates = 0;
    duplicateUnits = 0;
    bytesReceived = 0;
    say({ type: 'reset-done' });
    return;
  }
  const deadline = Date.now() + command.timeoutMs;
  const check = () => {
    const complete = readers.filter((r) => r.seenCount >= command.expect).length;
    if (complete === readers.length || Date.now() > deadline) {
      const stats = summarize(latencies.subarray(0, latencyCount));
      say({
        type: 'report',
        complete,
        readers: readers.length,
        delivered: latencyCount,
        // Each reader should have each of `expect` markers once.
        lost: readers.length * command.expect - latencyCount,
        duplicates,
        closedEarly: readers.filter((r) => r.closedEarly).length,
        lastArrivalUs: Math.max(...readers.map((r) => r.lastArrivalUs)),
        bytesReceived,
        latencyMs: stats,
        ...(verify ? { textLengths: readers.map((r) => r.doc!.getText('html').length), duplicateUnits } : {}),
      });
      return;
    }
    setTimeout(check, 20);
  };
  check();
});

process.on('SIGTERM', () => {
  closing = true;
  for (const ws of sockets) ws.terminate();
  process.exit(0);
});
