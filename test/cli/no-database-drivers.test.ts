import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLoupe, type TestLoupe } from '../helpers/loupe';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DENY = join(ROOT, 'test/cli/fixtures/deny-database-drivers.mjs');

// The agent-facing CLI is a client of the HTTP API: it must run where no database driver can be loaded.
describe('the loupe CLI on a machine without database drivers', { timeout: 60_000 }, () => {
  let loupe: TestLoupe;
  let cwd: string;

  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', DENY, join(ROOT, 'bin/loupe.mjs'), ...args],
        { cwd, env: { ...process.env, LOUPE_URL: loupe.url, LOUPE_TOKEN: loupe.token, DATA_DIR: join(cwd, 'data') } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    loupe = await startTestLoupe();
    cwd = mkdtempSync(join(tmpdir(), 'loupe-cli-nodb-'));
  });

  afterAll(async () => {
    await loupe.stop();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('pushes, checkpoints and lists comments', async () => {
    writeFileSync(join(cwd, 'page.html'), '<h1>No drivers here</h1>');
    const pushed = await run(['push', 'page.html', '--checkpoint', '-m', 'first']);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toMatch(/\/a\/[0-9a-f-]{36}\nv1 first/);
    const comments = await run(['comments', 'page.html']);
    expect(comments.code, comments.stderr).toBe(0);
    expect((await run(['--help'])).code).toBe(0);
  });

  it('a server-side command is what loads a driver (so the check above is not vacuous)', async () => {
    const migrate = await run(['migrate']);
    expect(migrate.code).not.toBe(0);
    expect(migrate.stderr).toMatch(/loading (better-sqlite3|pg) is denied/);
  });
});
