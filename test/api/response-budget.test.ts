import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_TOKEN } from '../helpers/loupe';
import { peakRssOf, spawnChildLoupe } from '../helpers/spawn-child';
import { loadConfig } from '../../server/config';
import { DEFAULT_MAX_RESPONSE_BYTES_IN_FLIGHT_PER_PRINCIPAL, DEFAULT_STALLED_WRITE_TIMEOUT_MS, ResponseBudget } from '../../server/limits/response-budget';
import { AppError } from '../../lib/errors';

/**
 * Hostile HTTP readers against a real Loupe process: a viewer asks for a big
 * page on many connections and never reads the answers. The server may hold
 * only a fixed budget of response bytes for one person (the rest get 429 with
 * Retry-After), other people keep being served, and a response nobody reads
 * is destroyed after the stalled-write timeout.
 */
const VIEWER_TOKEN = 'loupe_' + 'W'.repeat(43);
const MiB = 1024 * 1024;
/** The page: under the 16 MiB limit, so the default 64 MiB budget holds four of it in flight. */
const PAGE_BYTES = 15 * MiB;
const HOSTILE_CONNECTIONS = 40;
/** Growth of the server's peak RSS the 40 readers may cause (main: 40 pages held, 400+ MiB). */
const MAX_GROWTH_BYTES = 150 * MiB;

interface Child {
  process: ChildProcess;
  port: number;
  dataDir: string;
}

async function startChild(env: Record<string, string>): Promise<Child> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loupe-response-budget-'));
  const { child, port } = await spawnChildLoupe(dataDir, { TEST_VIEWER_TOKEN: VIEWER_TOKEN, ...env });
  return { process: child, port, dataDir };
}

function stopChild(child: Child | undefined): void {
  if (!child) return;
  child.process.kill('SIGKILL');
  rmSync(child.dataDir, { recursive: true, force: true });
}

/** The server's peak resident set so far (VmHWM), in bytes. */
function peakRss(child: Child): number {
  return peakRssOf(child.process);
}

async function createPage(child: Child, bytes: number): Promise<string> {
  const html = `<p>${'x'.repeat(bytes - 7)}</p>`;
  const res = await fetch(`http://127.0.0.1:${child.port}/api/v1/artifacts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'big page', html }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** A whole read by a client that reads everything: status and body length. */
async function readAll(child: Child, path: string, token: string): Promise<{ status: number; bytes: number; retryAfter: string | null }> {
  const res = await fetch(`http://127.0.0.1:${child.port}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, bytes: (await res.arrayBuffer()).byteLength, retryAfter: res.headers.get('retry-after') };
}

interface StalledReader {
  socket: Socket;
  /** The status line's code and the response head, read from the first bytes that arrived. */
  status: number;
  head: string;
  /** Resolves when the connection is closed (by either side). */
  closed: Promise<void>;
  /** Body bytes received so far (counted once reading resumes). */
  received(): number;
}

/**
 * A raw connection that sends one GET, reads only the first bytes of the
 * answer (enough for its status line and headers) and then stops reading:
 * everything after stays queued on the server for as long as it lets it.
 */
function stalledGet(child: Child, path: string, token: string): Promise<StalledReader> {
  return new Promise((resolve, reject) => {
    const socket = connect(child.port, '127.0.0.1');
    let received = 0;
    let settled = false;
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('error', () => {});
    socket.once('connect', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${child.port}\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.byteLength;
      if (settled) return;
      settled = true;
      socket.pause();
      const text = chunk.toString('latin1');
      const headEnd = text.indexOf('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      received -= headEnd >= 0 ? headEnd + 4 : 0;
      resolve({ socket, status, head: headEnd >= 0 ? text.slice(0, headEnd) : text, closed, received: () => received });
    });
    socket.once('close', () => {
      if (!settled) reject(new Error('closed before any answer'));
    });
  });
}

describe('response bytes in flight per person', () => {
  let child: Child;
  let pageId: string;
  let versionN: number;

  beforeAll(async () => {
    child = await startChild({});
    pageId = await createPage(child, PAGE_BYTES);
    const cut = await fetch(`http://127.0.0.1:${child.port}/api/v1/artifacts/${pageId}/versions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'checkpoint' }),
    });
    expect(cut.status).toBeLessThan(300);
    versionN = ((await cut.json()) as { n: number }).n;
    // The page is read once (building the document) before the baseline, as any reader would.
    expect((await readAll(child, `/api/v1/artifacts/${pageId}/content`, AGENT_TOKEN)).bytes).toBe(PAGE_BYTES);
  }, 120_000);

  afterAll(() => stopChild(child));

  it('holds at most the budget for a viewer who never reads, refuses the rest with 429, serves others, and frees it when they go', async () => {
    const path = `/api/v1/artifacts/${pageId}/content`;
    const before = peakRss(child);

    const readers: StalledReader[] = [];
    for (let i = 0; i < HOSTILE_CONNECTIONS; i++) readers.push(await stalledGet(child, path, VIEWER_TOKEN));
    const growth = peakRss(child) - before;
    expect(growth, `peak RSS grew by ${Math.round(growth / MiB)} MiB`).toBeLessThan(MAX_GROWTH_BYTES);
    const admitted = readers.filter((reader) => reader.status === 200);
    const refused = readers.filter((reader) => reader.status === 429);
    // Four 15 MiB pages fit in 64 MiB; every other request was refused, and says when to come back.
    expect(admitted.length).toBe(Math.floor(DEFAULT_MAX_RESPONSE_BYTES_IN_FLIGHT_PER_PRINCIPAL / PAGE_BYTES));
    expect(refused.length).toBe(HOSTILE_CONNECTIONS - admitted.length);
    for (const reader of refused) {
      expect(reader.head.toLowerCase()).toMatch(/\r\nretry-after: \d+/);
    }

    // Someone else reads the whole page meanwhile.
    expect(await readAll(child, path, AGENT_TOKEN)).toMatchObject({ status: 200, bytes: PAGE_BYTES });
    // The viewer, over their budget, is told so (and why) on a fresh connection.
    const again = await readAll(child, path, VIEWER_TOKEN);
    expect(again.status).toBe(429);
    expect(Number(again.retryAfter)).toBeGreaterThanOrEqual(1);
    // By every door to a big body: a version of the page counts against the same budget.
    const version = `/api/v1/artifacts/${pageId}/versions/${versionN}/content`;
    expect((await readAll(child, version, VIEWER_TOKEN)).status).toBe(429);
    expect(await readAll(child, version, AGENT_TOKEN)).toMatchObject({ status: 200, bytes: PAGE_BYTES });

    // Once the unread connections go away, their bytes are given back: the viewer reads again.
    for (const reader of readers) reader.socket.destroy();
    await Promise.all(readers.map((reader) => reader.closed));
    await expect.poll(async () => (await readAll(child, path, VIEWER_TOKEN)).status).toBe(200);
    expect((await readAll(child, path, VIEWER_TOKEN)).bytes).toBe(PAGE_BYTES);
  }, 120_000);

  it('takes the budget and the stalled-write timeout from the environment, with defaults that fit one page and a slow link', () => {
    const defaults = loadConfig({});
    expect(defaults.maxResponseBytesInFlightPerPrincipal).toBe(DEFAULT_MAX_RESPONSE_BYTES_IN_FLIGHT_PER_PRINCIPAL);
    expect(DEFAULT_MAX_RESPONSE_BYTES_IN_FLIGHT_PER_PRINCIPAL).toBeGreaterThanOrEqual(4 * 16 * MiB);
    expect(defaults.stalledWriteTimeoutMs).toBe(DEFAULT_STALLED_WRITE_TIMEOUT_MS);
    const set = loadConfig({ MAX_RESPONSE_BYTES_IN_FLIGHT_PER_PRINCIPAL: String(256 * MiB), STALLED_WRITE_TIMEOUT_MS: '5000' });
    expect(set.maxResponseBytesInFlightPerPrincipal).toBe(256 * MiB);
    expect(set.stalledWriteTimeoutMs).toBe(5000);
    expect(() => loadConfig({ MAX_RESPONSE_BYTES_IN_FLIGHT_PER_PRINCIPAL: '0' })).toThrow(/MAX_RESPONSE_BYTES_IN_FLIGHT_PER_PRINCIPAL/);
    expect(() => loadConfig({ STALLED_WRITE_TIMEOUT_MS: 'soon' })).toThrow(/STALLED_WRITE_TIMEOUT_MS/);
  });
});

describe('stalled writes', () => {
  /** Short, so the test sees it; a budget of one page, so a held response shows as 429 for the next. */
  const STALL_MS = 2_000;
  const SMALL_PAGE_BYTES = 8 * MiB;
  let child: Child;
  let pageId: string;

  beforeAll(async () => {
    child = await startChild({ STALLED_WRITE_TIMEOUT_MS: String(STALL_MS), MAX_RESPONSE_BYTES_IN_FLIGHT_PER_PRINCIPAL: String(MiB) });
    pageId = await createPage(child, SMALL_PAGE_BYTES);
  }, 120_000);

  afterAll(() => stopChild(child));

  it('destroys a response its client stops reading, which frees its budget while the client still holds the connection', async () => {
    const path = `/api/v1/artifacts/${pageId}/content`;
    const stalled = await stalledGet(child, path, VIEWER_TOKEN);
    expect(stalled.status).toBe(200);
    // While it is held, the same person's next page does not fit.
    expect((await readAll(child, path, VIEWER_TOKEN)).status).toBe(429);

    // The client never reads and never closes; the server gives up on it and the budget is free again.
    await expect.poll(async () => (await readAll(child, path, VIEWER_TOKEN)).status, { timeout: 20_000 }).toBe(200);
    // Reading now shows the response was cut short: the connection ends before the page did.
    stalled.socket.resume();
    await stalled.closed;
    expect(stalled.received()).toBeLessThan(SMALL_PAGE_BYTES);
  }, 60_000);

  it('lets a slow reader that keeps reading have the whole page', async () => {
    const socket = connect(child.port, '127.0.0.1');
    let head = '';
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      if (!head) {
        const text = chunk.toString('latin1');
        head = text.slice(0, text.indexOf('\r\n\r\n'));
        received += chunk.byteLength - (head.length + 4);
      } else received += chunk.byteLength;
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(`GET /api/v1/artifacts/${pageId}/content HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${VIEWER_TOKEN}\r\n\r\n`);
    // Reads in sips: a moment of reading, then a quarter of the stall timeout of reading nothing, over and over.
    while (received < SMALL_PAGE_BYTES) {
      socket.resume();
      await new Promise((resolve) => setTimeout(resolve, 20));
      socket.pause();
      if (received >= SMALL_PAGE_BYTES) break;
      const stopped = await Promise.race([closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), STALL_MS / 4))]);
      expect(stopped, 'the server closed a reader that kept reading').toBe(false);
    }
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(received).toBe(SMALL_PAGE_BYTES);
    socket.destroy();
  }, 60_000);
});

describe('the budget itself', () => {
  it('admits one body of any size when empty, refuses with 429 past the limit, and gives each reservation back exactly once', () => {
    const budget = new ResponseBudget(10 * MiB, 1_000);
    const big = budget.take('user:a', 16 * MiB);
    let refusal: unknown;
    try {
      budget.take('user:a', 1);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(AppError);
    expect((refusal as AppError).status).toBe(429);
    expect((refusal as AppError).headers?.['retry-after']).toMatch(/^\d+$/);
    // Another person's budget is their own.
    const other = budget.take('user:b', 4 * MiB);
    big();
    big();
    expect(budget.bytesInFlight('user:a')).toBe(0);
    expect(budget.bytesInFlight('user:b')).toBe(4 * MiB);
    const small = budget.take('user:a', 6 * MiB);
    const fits = budget.take('user:a', 4 * MiB);
    expect(() => budget.take('user:a', 1)).toThrow(/in flight/);
    small();
    small();
    expect(budget.bytesInFlight('user:a')).toBe(4 * MiB);
    fits();
    other();
    expect(budget.bytesInFlight('user:a') + budget.bytesInFlight('user:b')).toBe(0);
  });
});
