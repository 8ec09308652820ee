import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { AGENT_TOKEN, TEST_AUTH_SECRET, TEST_ON_POSTGRES, testDatabaseFor } from './loupe';

/**
 * Starts `test/helpers/child-server.ts` as its own process (for tests that
 * SIGKILL it or measure its memory) on free ports, with the test agent token
 * and `env` on top, and resolves once it says READY.
 */
export async function spawnChildLoupe(dataDir: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string; port: number }> {
  // TEST_STORE=postgres: the child runs on the DATA_DIR's database (the same one again after a restart).
  const database = TEST_ON_POSTGRES && !env.DATABASE_URL ? { DATABASE_URL: (await testDatabaseFor(dataDir)).url, AUTH_SECRET: TEST_AUTH_SECRET } : {};
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/child-server.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      SANDBOX_PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOUPE_AGENT_TOKEN: AGENT_TOKEN,
      LOUPE_ADMIN_PASSWORD: 'long enough password',
      ...database,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY http:\/\/localhost:(\d+)/.exec(out);
      if (match) resolve({ child, url: `http://127.0.0.1:${match[1]}`, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
  });
}

/** A process's peak resident set so far (VmHWM), in bytes. */
export function peakRssOf(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kib = /VmHWM:\s+(\d+) kB/.exec(status);
  if (!kib) throw new Error('no VmHWM in /proc status');
  return Number(kib[1]) * 1024;
}
