// Raw-socket clients for the multi-process scenarios: the same writer and joiner for Loupe and for
// Hocuspocus (no client library of either), so only the servers differ.
import * as Y from 'yjs';
import WebSocket from 'ws';
import { helloFrames, isSyncStep2, readSync, updateFrame, type Endpoint } from './protocol';
import { yieldToLoop } from './clients';

/** Units one writer client id authors before it is retired (see openWriter in clients.ts). */
const UNITS_PER_CLIENT_ID = 64 * 1024;

function connect(endpoint: Endpoint): Promise<WebSocket> {
  const ws = new WebSocket(endpoint.url, { perMessageDeflate: false });
  ws.binaryType = 'nodebuffer';
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Resolves with the first sync step 2 the server sends (the document as it has it). */
function nextSyncStep2(ws: WebSocket, endpoint: Endpoint, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.off('message', onMessage);
      reject(new Error(`no sync step 2 from ${endpoint.url} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (data: Buffer) => {
      if (!isSyncStep2(endpoint.wire, data)) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve(data);
    };
    ws.on('message', onMessage);
    ws.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`${endpoint.url} closed ${code} before sync`));
    });
  });
}

/**
 * A writer: a local Y.Doc whose every update goes out as one frame, once the server has answered the
 * hello (so Hocuspocus has authenticated it and both servers have the room loaded).
 */
export class RawWriter {
  readonly doc = new Y.Doc();
  readonly text = this.doc.getText('html');

  private constructor(
    readonly ws: WebSocket,
    readonly endpoint: Endpoint,
  ) {
    this.doc.on('update', (update: Uint8Array) => this.ws.send(updateFrame(this.endpoint, update)));
  }

  static async open(endpoint: Endpoint, timeoutMs = 60_000): Promise<RawWriter> {
    const ws = await connect(endpoint);
    const synced = nextSyncStep2(ws, endpoint, timeoutMs);
    for (const frame of helloFrames(endpoint)) ws.send(frame);
    await synced;
    return new RawWriter(ws, endpoint);
  }

  /** Appends like an agent streaming a page, retiring its client id as openWriter does. */
  append(chunk: string): void {
    if (Y.getState(this.doc.store, this.doc.clientID) > UNITS_PER_CLIENT_ID) this.doc.clientID = Math.floor(Math.random() * 2 ** 31);
    this.text.insert(this.text.length, chunk);
  }

  /** Sends a frame made elsewhere (pre-encoded ingest updates). */
  sendRaw(frame: Uint8Array): void {
    this.ws.send(frame);
  }

  /** Waits while the socket holds more than `bytes` unsent (a writer that outruns the server would only queue in itself). */
  async drain(bytes = 4 << 20): Promise<void> {
    while (this.ws.bufferedAmount > bytes) await yieldToLoop();
  }

  private closed = false;

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close();
    this.doc.destroy();
  }
}

/**
 * A fresh client joins: milliseconds from opening the socket to having applied the server's sync
 * step 2, and the text length it then has (so an incomplete load shows instead of failing the run).
 */
export async function rawJoin(endpoint: Endpoint, timeoutMs = 120_000): Promise<{ ms: number; length: number }> {
  const started = performance.now();
  const ws = await connect(endpoint);
  try {
    const synced = nextSyncStep2(ws, endpoint, timeoutMs);
    for (const frame of helloFrames(endpoint)) ws.send(frame);
    const frame = await synced;
    const doc = new Y.Doc();
    Y.applyUpdate(doc, readSync(endpoint.wire, frame)!.payload);
    const ms = performance.now() - started;
    const length = doc.getText('html').length;
    doc.destroy();
    return { ms, length };
  } finally {
    ws.close();
  }
}
