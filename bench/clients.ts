import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import { nowUs } from './stats';
import type { Endpoint } from './protocol';

export interface ReaderReport {
  complete: number;
  readers: number;
  delivered: number;
  /** Markers a reader should have had (each reader × `expect`) and did not get. */
  lost: number;
  /** Arrivals of a marker the reader already had. */
  duplicates: number;
  /** Readers whose socket the server closed during the run. */
  closedEarly: number;
  lastArrivalUs: number;
  bytesReceived: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; n: number };
  /** With `verify`: each reader's text length, and Yjs units received more than once. */
  textLengths?: number[];
  duplicateUnits?: number;
}

/** R raw readers in their own process, so the driver's writer is not slowed by them. */
export class ReaderPool {
  private readonly child: ChildProcess;
  private readonly waiters: Array<(message: Record<string, unknown>) => void> = [];

  private constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'bench/readers.ts'], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as Record<string, unknown>;
      this.waiters.shift()?.(message);
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  static async open(url: string, count: number, capacity = 1 << 16): Promise<ReaderPool> {
    const pool = new ReaderPool({ READERS_URL: url, READERS_COUNT: String(count), READERS_CAPACITY: String(capacity) });
    await pool.next();
    return pool;
  }

  /**
   * One reader per endpoint (any instance, document and wire protocol), all in one process.
   * `verify`: readers also keep a Y.Doc, for updates that carry no marker.
   */
  static async openEndpoints(endpoints: Endpoint[], capacity = 1 << 16, options: { verify?: boolean; timeoutMs?: number } = {}): Promise<ReaderPool> {
    const pool = new ReaderPool({ READERS_FROM_STDIN: '1', READERS_CAPACITY: String(capacity), READERS_VERIFY: options.verify ? '1' : '0' });
    const ready = pool.next();
    pool.child.stdin!.write(`${JSON.stringify({ type: 'open', endpoints })}\n`);
    const timeoutMs = options.timeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${endpoints.length} readers not all synced within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([ready, timedOut]);
    } catch (error) {
      await pool.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return pool;
  }

  private next(): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async report(expect: number, timeoutMs = 120_000): Promise<ReaderReport> {
    const reply = this.next();
    this.child.stdin!.write(`${JSON.stringify({ type: 'report', expect, timeoutMs })}\n`);
    return (await reply) as unknown as ReaderReport;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}

export interface Writer {
  doc: Y.Doc;
  text: Y.Text;
  provider: WebsocketProvider;
  /** Appends like an agent streaming a page (see appendRotating). */
  append(chunk: string): void;
  destroy(): void;
}

/** Units one writer client id authors before it is retired, as Loupe's server does for its own writes. */
const UNITS_PER_CLIENT_ID = 64 * 1024;

/** A stock y-websocket client (ws as its WebSocket), resolved once fully synced. */
async function connectSynced(wsBase: string, room: string, params: Record<string, string>): Promise<{ doc: Y.Doc; provider: WebsocketProvider }> {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(wsBase, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params,
    disableBc: true,
  });
  await new Promise<void>((resolve) => provider.once('sync', () => resolve()));
  return { doc, provider };
}

/** A stock y-websocket client holding a write token: the same kind of writer for both servers. */
export async function openWriter(wsBase: string, room: string, params: Record<string, string>): Promise<Writer> {
  const { doc, provider } = await connectSynced(wsBase, room, params);
  const text = doc.getText('html');
  const awarenessClientId = doc.clientID;
  return {
    doc,
    text,
    provider,
    // Yjs merges a client's consecutive appends into one growing item, and encoding each new
    // update then copies that whole item: quadratic in the page size, on every peer. Retiring
    // the client id every 64 Ki units bounds it (the same thing Loupe's server does).
    append: (chunk) => {
      if (Y.getState(doc.store, doc.clientID) > UNITS_PER_CLIENT_ID) doc.clientID = Math.floor(Math.random() * 2 ** 31);
      text.insert(text.length, chunk);
    },
    destroy: () => {
      doc.clientID = awarenessClientId; // the provider's awareness is keyed by the original id
      provider.destroy();
      doc.destroy();
    },
  };
}

/** Opens a fresh client and resolves with milliseconds from construction to fully synced. */
export async function timeJoin(wsBase: string, room: string, params: Record<string, string>, expectLength: number): Promise<number> {
  const started = performance.now();
  const { doc, provider } = await connectSynced(wsBase, room, params);
  const elapsed = performance.now() - started;
  const length = doc.getText('html').length;
  provider.destroy();
  doc.destroy();
  if (length !== expectLength) throw new Error(`joined with ${length} chars, expected ${expectLength}`);
  return elapsed;
}

const FILLER = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation ullamco laboris';

/** An edit of about `bytes` bytes carrying a marker with its sequence number and send time. */
export function markedEdit(seq: number, bytes = 200): string {
  const head = `<p>@@${seq}:${nowUs()}@@ `;
  const body = FILLER.repeat(Math.ceil(bytes / FILLER.length)).slice(0, Math.max(0, bytes - head.length - 5));
  return `${head}${body}</p>\n`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
