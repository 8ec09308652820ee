import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

export const WRITER_TOKEN = 'loupe_' + 'W'.repeat(43);
export const READER_TOKEN = 'loupe_' + 'R'.repeat(43);

export interface BenchServer {
  name: 'loupe' | 'stock';
  pid: number;
  /** Loupe's data directory (its SQLite file), for storage figures. */
  dataDir?: string;
  /** ws base; rooms are `${wsBase}/${room}`. */
  wsBase: string;
  httpBase: string;
  /** A fresh room (for Loupe, a new artifact). */
  newRoom(): Promise<string>;
  writerParams: Record<string, string>;
  readerQuery: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match) {
        child.stdout!.off('data', onData);
        resolve(match);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * One Loupe process. `env` adds to its environment: DATABASE_URL, REDIS_URL, REDIS_PREFIX and
 * AUTH_SECRET for the multi-process scenarios (bench/cluster.ts); without it, SQLite in a temporary DATA_DIR.
 */
export async function startLoupe(env: Record<string, string> = {}): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loupe-bench-'));
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'bench/loupe-server.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      SANDBOX_PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOUPE_AGENT_TOKEN: WRITER_TOKEN,
      LOUPE_ADMIN_PASSWORD: 'bench password 123',
      BENCH_READER_TOKEN: READER_TOKEN,
      ROOM_IDLE_UNLOAD_MS: '0',
      // Hundreds of readers share one token here; the per-token limit is for real deployments.
      RATE_LIMIT_TOKEN_PER_MIN: '1000000',
      // The 500 readers are one person's sockets; the default cap (64) is for real deployments.
      MAX_SOCKETS_PER_PRINCIPAL: '100000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const match = await waitForLine(child, /READY http:\/\/localhost:(\d+)/);
  const port = match[1];
  const httpBase = `http://127.0.0.1:${port}`;
  return {
    name: 'loupe',
    pid: child.pid!,
    dataDir,
    wsBase: `ws://127.0.0.1:${port}/collab`,
    httpBase,
    writerParams: { token: WRITER_TOKEN },
    readerQuery: `?token=${READER_TOKEN}`,
    newRoom: async () => {
      const res = await fetch(`${httpBase}/api/v1/artifacts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${WRITER_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'bench', project: 'bench' }),
      });
      const artifact = (await res.json()) as { id: string; status?: string };
      // Readers are another user: on a draft they would be refused, and every figure would be a timeout.
      if (artifact.status !== undefined && artifact.status !== 'published') {
        throw new Error(`the bench's artifact was created as ${artifact.status}: the published override in bench/loupe-server.ts no longer applies`);
      }
      return artifact.id;
    },
    stop: async () => {
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The stock @y/websocket-server 0.1.1: in memory, no auth, nothing durable. */
export async function startStock(): Promise<BenchServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['node_modules/@y/websocket-server/src/server.js'], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await waitForLine(child, /running at/);
  let rooms = 0;
  return {
    name: 'stock',
    pid: child.pid!,
    wsBase: `ws://127.0.0.1:${port}`,
    httpBase: `http://127.0.0.1:${port}`,
    writerParams: {},
    readerQuery: '',
    newRoom: async () => `bench-${process.pid}-${++rooms}`,
    stop: () => stopChild(child),
  };
}
