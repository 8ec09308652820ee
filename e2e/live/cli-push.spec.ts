import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Frame, Page } from '@playwright/test';
import { expect, signInAs, test, type LoupeProcess } from '../fixtures/server';

/**
 * An agent publishes with the real `loupe` CLI (a child process working in a
 * temp folder), two reviewers open the printed link, then `loupe watch`
 * pushes every save and both see each change live, without a reload.
 */

const CLI = fileURLToPath(new URL('../../bin/loupe.mjs', import.meta.url));
const TITLE = 'Nightly build report';

/**
 * The script is the same in every version, so the frame keeps it and runs it
 * once; a re-run or a fresh document would show up in `__loaded`.
 */
const reportHtml = (version: number, note: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>Build report</title></head>
<body>
<h1 id="marker">Version ${version}</h1>
<p id="note">${note}</p>
<script>window.__loaded = (window.__loaded || 0) + 1;</script>
</body></html>
`;

interface FrameState {
  marker: string | null;
  loaded: number | null;
  /** Set by the spec in the frame's window: gone if the frame document was replaced. */
  token: string | null;
}

function cliEnv(loupe: LoupeProcess): NodeJS.ProcessEnv {
  return { ...process.env, LOUPE_URL: loupe.url, LOUPE_TOKEN: loupe.token, NO_COLOR: '1' };
}

/** Runs one CLI command to completion. */
function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** The artifact's frame (on the sandbox origin) inside an app page. */
function artifactFrame(page: Page, sandboxOrigin: string): Frame {
  const frame = page.frames().find((f) => f.url().startsWith(`${sandboxOrigin}/frame`));
  if (!frame) throw new Error(`no artifact frame; frames: ${page.frames().map((f) => f.url()).join(', ')}`);
  return frame;
}

function readFrameState(page: Page, sandboxOrigin: string): Promise<FrameState> {
  return artifactFrame(page, sandboxOrigin).evaluate(() => {
    const w = window as unknown as { __loaded?: number; __specToken?: string };
    return {
      marker: document.getElementById('marker')?.textContent ?? null,
      loaded: w.__loaded ?? null,
      token: w.__specToken ?? null,
    };
  });
}

/** `#rrggbb` → `rgb(r, g, b)`, as getComputedStyle reports it. */
function rgbOf(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}

test('an agent pushes with the CLI, then watch shows every save live to two reviewers', async ({ browser, loupe }) => {
  const workDir = mkdtempSync(join(tmpdir(), 'loupe-cli-e2e-'));
  const reportPath = join(workDir, 'report.html');
  const env = cliEnv(loupe);
  let watcher: ChildProcess | null = null;
  const contexts = await Promise.all([browser.newContext(), browser.newContext()]);
  try {
    // The agent publishes.
    writeFileSync(reportPath, reportHtml(1, 'Pushed once'));
    const pushed = await runCli(['push', 'report.html', '--title', TITLE], workDir, env);
    expect(pushed.code, `loupe push failed:\n${pushed.stderr}`).toBe(0);
    const url = pushed.stdout.trim();
    expect(url).toMatch(new RegExp(`^${loupe.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/a/[0-9a-f-]{36}$`));
    const id = url.slice(url.lastIndexOf('/') + 1);
    const links = JSON.parse(readFileSync(join(workDir, '.loupe.json'), 'utf8')) as { files: Record<string, string> };
    expect(Object.values(links.files)).toEqual([id]);

    // Two reviewers open the printed link, one after the other. Your own
    // avatar has the server's colour for you (from /me) even while you are
    // alone in the room, so it matches what everyone else sees.
    const pages: Page[] = [];
    for (const context of contexts) {
      await signInAs(context, loupe);
      const page = await context.newPage();
      await page.goto(url);
      const colour = ((await (await context.request.get(`${loupe.url}/api/v1/me`)).json()) as { user: { color: string } }).user.color;
      await expect(page.getByTestId('presence-avatar')).toHaveCount(pages.length + 1);
      await expect(page.getByRole('img', { name: /\(you\)$/ })).toHaveCSS('background-color', rgbOf(colour));
      pages.push(page);
    }
    for (const page of pages) {
      await expect(page.getByRole('heading', { level: 1, name: TITLE })).toBeVisible();
      await expect(page.frameLocator('main iframe').locator('#marker')).toHaveText('Version 1');
      await expect(page.frameLocator('main iframe').locator('#note')).toHaveText('Pushed once');
      await expect.poll(async () => (await readFrameState(page, loupe.sandboxOrigin)).loaded).toBe(1);
      // A reload of the app page or a new frame document would drop these.
      await page.evaluate(() => Object.assign(window, { __noReload: true }));
      await artifactFrame(page, loupe.sandboxOrigin).evaluate(() => Object.assign(window, { __specToken: 'same-document' }));
      // Both tabs are the same person: the same colour on either side.
      const own = await page.getByRole('img', { name: /\(you\)$/ }).evaluate((el) => getComputedStyle(el).backgroundColor);
      await expect(page.getByRole('img', { name: /you, in another tab/ })).toHaveCSS('background-color', own);
    }

    // The agent keeps working under `loupe watch`.
    const running = spawn(process.execPath, [CLI, 'watch', 'report.html'], { cwd: workDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    watcher = running;
    let watchOut = '';
    let watchErr = '';
    running.stdout.on('data', (chunk: Buffer) => (watchOut += chunk.toString()));
    running.stderr.on('data', (chunk: Buffer) => (watchErr += chunk.toString()));
    // It reuses the artifact remembered in .loupe.json and says so before it watches.
    await expect.poll(() => watchOut, { message: `loupe watch did not start:\n${watchErr}` }).toContain('watching report.html');
    expect(watchOut.split('\n')[0]).toBe(url);
    const pushes = () => watchOut.split('\n').filter((line) => line.startsWith('pushed ')).length;

    const saves: Array<[number, string]> = [
      [2, 'Saved once under watch'],
      [3, 'Saved twice under watch'],
    ];
    for (const [version, note] of saves) {
      const before = pushes();
      writeFileSync(reportPath, reportHtml(version, note));
      await expect.poll(pushes, { message: `loupe watch did not push version ${version}:\n${watchErr}` }).toBeGreaterThan(before);
      for (const page of pages) {
        await expect(page.frameLocator('main iframe').locator('#marker')).toHaveText(`Version ${version}`);
        await expect(page.frameLocator('main iframe').locator('#note')).toHaveText(note);
        expect(await readFrameState(page, loupe.sandboxOrigin)).toEqual({ marker: `Version ${version}`, loaded: 1, token: 'same-document' });
        expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
        expect(page.url()).toBe(url);
      }
    }

    // SIGTERM stops the watcher cleanly.
    expect(running.exitCode).toBeNull();
    running.kill('SIGTERM');
    await expect.poll(() => running.exitCode ?? running.signalCode, { message: 'loupe watch exits on SIGTERM' }).toBe(0);
    expect(watchErr).toBe('');
  } finally {
    if (watcher && watcher.exitCode === null && watcher.signalCode === null) watcher.kill('SIGKILL');
    await Promise.all(contexts.map((context) => context.close()));
    rmSync(workDir, { recursive: true, force: true });
  }
});
