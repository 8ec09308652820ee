// A process of R raw y-websocket readers. Each asks for the document (sync step 1 with an empty
// state vector) and then only listens; it finds the writer's markers `@@<seq>:<sentUs>@@` in the
// frames it receives (Yjs strings travel as UTF-8, so they are visible in the bytes) and records
// first-arrival latency per (reader, edit). Commands arrive as JSON lines on stdin.
import WebSocket from 'ws';
import { createInterface } from 'node:readline';
import { nowUs, summarize } from './stats';

const url = process.env.READERS_URL!;
const count = Number(process.env.READERS_COUNT);
const SYNC_STEP1_EMPTY = Buffer.from([0, 0, 1, 0]);
const MARKER_START = Buffer.from('@@');
const COLON = 58;
const ZERO = 48;

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
}

const capacity = Math.max(1 << 16, Number(process.env.READERS_CAPACITY ?? 0));
const readers: Reader[] = [];
let latencies = new Float64Array(1 << 20);
let latencyCount = 0;
let ready = 0;
let bytesReceived = 0;

function record(latencyMs: number): void {
  if (latencyCount === latencies.length) {
    const grown = new Float64Array(latencies.length * 2);
    grown.set(latencies);
    latencies = grown;
  }
  latencies[latencyCount++] = latencyMs;
}

for (let i = 0; i < count; i++) {
  const reader: Reader = { seen: new Uint8Array(capacity), seenCount: 0, lastArrivalUs: 0, ready: false };
  readers.push(reader);
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.binaryType = 'nodebuffer';
  ws.on('open', () => ws.send(SYNC_STEP1_EMPTY));
  ws.on('error', (error) => process.stderr.write(`reader ${i}: ${error.message}\n`));
  ws.on('close', (code) => {
    if (code !== 1000 && code !== 1005) process.stderr.write(`reader ${i} closed ${code}\n`);
  });
  ws.on('message', (data: Buffer) => {
    const at = nowUs();
    bytesReceived += data.byteLength;
    // The first sync step 2 (type 0, sub-type 1) means this reader has the document.
    if (!reader.ready && data[0] === 0 && data[1] === 1) {
      reader.ready = true;
      ready++;
      if (ready === count) process.stdout.write(`${JSON.stringify({ type: 'ready' })}\n`);
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
        }
      }
      from = data.indexOf(MARKER_START, from + 2);
    }
  });
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const command = JSON.parse(line) as { type: 'reset' } | { type: 'report'; expect: number; timeoutMs: number };
  if (command.type === 'reset') {
    for (const reader of readers) {
      reader.seen = new Uint8Array(capacity);
      reader.seenCount = 0;
      reader.lastArrivalUs = 0;
    }
    latencyCount = 0;
    bytesReceived = 0;
    process.stdout.write(`${JSON.stringify({ type: 'reset-done' })}\n`);
    return;
  }
  const deadline = Date.now() + command.timeoutMs;
  const check = () => {
    const complete = readers.filter((r) => r.seenCount >= command.expect).length;
    if (complete === readers.length || Date.now() > deadline) {
      const stats = summarize(latencies.subarray(0, latencyCount));
      process.stdout.write(
        `${JSON.stringify({
          type: 'report',
          complete,
          readers: readers.length,
          delivered: latencyCount,
          lastArrivalUs: Math.max(...readers.map((r) => r.lastArrivalUs)),
          bytesReceived,
          latencyMs: stats,
        })}\n`,
      );
      return;
    }
    setTimeout(check, 20);
  };
  check();
});
