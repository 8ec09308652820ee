// The render benchmark (issue 13): an agent `PUT`s one-paragraph changes to a page of 30 KB, 1 MiB, 8 MiB and
// 16 MiB on a real Loupe (`npm start`'s server, with its pages: run `node scripts/ensure-build.mjs` first), a
// reader watches the live view in Debian Chromium (the flags of playwright.config.ts), and for each change we
// record write → visible (the PUT leaving here → the changed text in the reader's artifact frame, both on this
// machine's clock) and the main-thread time the reader's frame and app spent per update (CDP
// Performance.getMetrics TaskDuration of each renderer: the frame is a cross-origin frame in its own process).
// The frame's main-thread time should be flat in page size: the frame re-parses only the changed paragraph.
//
//   npm run bench -- render [--sizes=0.03,1,8,16] [--updates=30] [--out=NAME]
//   (or npx tsx bench/run.ts render …; the lead runs it alone: not in CI, not with other work on the machine)
import { mkdirSync, writeFileSync } from 'node:fs';
import { chromium, type CDPSession, type Frame } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config';
import { ADMIN_EMAIL, ADMIN_PASSWORD, apiFor, createArtifact, putContent, startLoupe, type ApiCall } from '../e2e/fixtures/server';
import { page as pageOfSections, rng } from '../test/helpers/pages';
import { summarize } from './stats';

const argv = process.argv.slice(2);
const option = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const SIZES_MIB = (option('sizes') ?? '0.03,1,8,16').split(',').map(Number);
const UPDATES = Number(option('updates') ?? 30);

/**
 * The store's cap on a page is 16 MiB of UTF-8, and the create call's JSON body (with its escapes) is
 * capped at 16 MiB + 64 KiB: the "16 MiB" row is the biggest generated page whose JSON fits, about 15 MiB.
 */
const PAGE_LIMIT_BYTES = 15 * 1024 * 1024 + 64 * 1024;

/** A page of about `bytes` UTF-16 units, like the ones agents write, and never over the store's cap. */
function pageOfSize(bytes: number): string {
  const random = rng(bytes);
  let sections = Math.max(1, Math.round(bytes / 1400));
  let text = pageOfSections(random, sections);
  // One more pass to land near the size (sections vary in length).
  sections = Math.max(1, Math.round((sections * bytes) / text.length));
  text = pageOfSections(rng(bytes), sections);
  while (Buffer.byteLength(text) > PAGE_LIMIT_BYTES - 64 * 1024 && sections > 1) {
    sections = Math.floor(sections * 0.98);
    text = pageOfSections(rng(bytes), sections);
  }
  return text;
}

/** The paragraphs' inner text ranges that hold plain text only, to edit in place. */
function editablePlaces(text: string): number[] {
  const places: number[] = [];
  const re = /<p>([^<]{20,})<\/p>/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) places.push(m.index + 3);
  return places;
}

/** The renderer's cumulative main-thread counters (ms): all tasks, script, layout, style. */
interface MainThread {
  task: number;
  script: number;
  layout: number;
  style: number;
}

async function mainThread(session: CDPSession): Promise<MainThread> {
  const { metrics } = (await session.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  const ms = (name: string) => (metrics.find((m) => m.name === name)?.value ?? 0) * 1000;
  return { task: ms('TaskDuration'), script: ms('ScriptDuration'), layout: ms('LayoutDuration'), style: ms('RecalcStyleDuration') };
}

function addDifference(sum: MainThread, after: MainThread, before: MainThread): void {
  sum.task += after.task - before.task;
  sum.script += after.script - before.script;
  sum.layout += after.layout - before.layout;
  sum.style += after.style - before.style;
}

const perUpdate = (ms: number): number => Math.round((ms / UPDATES) * 10) / 10;

async function signIn(url: string, context: import('@playwright/test').BrowserContext): Promise<void> {
  const csrf = (await (await context.request.get(`${url}/api/auth/csrf`)).json()) as { csrfToken: string };
  await context.request.post(`${url}/api/auth/callback/credentials`, {
    form: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, csrfToken: csrf.csrfToken, callbackUrl: `${url}/` },
    maxRedirects: 0,
  });
}

async function artifactFrame(page: import('@playwright/test').Page, sandboxOrigin: string): Promise<Frame> {
  for (;;) {
    const frame = page.frames().find((f) => f.url().startsWith(sandboxOrigin));
    if (frame) return frame;
    await page.waitForTimeout(50);
  }
}

interface Row {
  pageKiB: number;
  updates: number;
  visibleP50: number;
  visibleP99: number;
  /** The frame's renderer, per update: every task, then the parts of it: script (Loupe's frame program, the page's scripts), layout, style. */
  frameMainMsPerUpdate: number;
  frameScriptMsPerUpdate: number;
  frameLayoutMsPerUpdate: number;
  frameStyleMsPerUpdate: number;
  appMainMsPerUpdate: number;
  appScriptMsPerUpdate: number;
}

async function measure(api: ApiCall, url: string, sandboxOrigin: string, bytes: number): Promise<Row> {
  let text = pageOfSize(bytes);
  const id = await createArtifact(api, { title: `render bench ${Math.round(bytes / 1024)} KiB`, html: text });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await signIn(url, context);
    const page = await context.newPage();
    await page.goto(`${url}/a/${id}`);
    const frame = await artifactFrame(page, sandboxOrigin);
    await frame.waitForFunction(() => document.querySelector('footer') !== null, undefined, { timeout: 300_000 });
    // When each marker first shows: recorded by a MutationObserver in the frame (the cost of a check is the mutation's).
    await frame.evaluate(() => {
      const seen: Record<string, number> = {};
      (window as unknown as { __benchSeen: Record<string, number> }).__benchSeen = seen;
      new MutationObserver((records) => {
        for (const record of records) {
          const found = /bench-mark-\d+/.exec(record.target.textContent ?? '');
          if (found && seen[found[0]] === undefined) seen[found[0]] = Date.now();
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const frameSession = await context.newCDPSession(frame);
    const appSession = await context.newCDPSession(page);
    await frameSession.send('Performance.enable');
    await appSession.send('Performance.enable');
    const places = editablePlaces(text);
    const latencies: number[] = [];
    const frameSum: MainThread = { task: 0, script: 0, layout: 0, style: 0 };
    const appSum: MainThread = { task: 0, script: 0, layout: 0, style: 0 };
    for (let i = 0; i < UPDATES; i++) {
      const marker = `bench-mark-${i}`;
      const at = places[Math.floor((places.length * (i + 0.5)) / UPDATES)];
      const next = `${text.slice(0, at)}${marker} ${text.slice(at)}`;
      const frameBefore = await mainThread(frameSession);
      const appBefore = await mainThread(appSession);
      const sent = Date.now();
      await putContent(api, id, next);
      const seenAt = await frame.waitForFunction((m) => (window as unknown as { __benchSeen: Record<string, number> }).__benchSeen[m], marker, {
        timeout: 120_000,
        polling: 20,
      });
      latencies.push(((await seenAt.jsonValue()) as number) - sent);
      // Let the update finish (the frame posts `rendered`, pins are placed) before reading the counters.
      await page.waitForTimeout(150);
      addDifference(frameSum, await mainThread(frameSession), frameBefore);
      addDifference(appSum, await mainThread(appSession), appBefore);
      text = next;
      // Shift the remaining places by what this edit inserted before them.
      for (let k = 0; k < places.length; k++) if (places[k] >= at) places[k] += marker.length + 1;
    }
    const s = summarize(latencies);
    return {
      pageKiB: Math.round(text.length / 1024),
      updates: UPDATES,
      visibleP50: Math.round(s.p50),
      visibleP99: Math.round(s.p99),
      frameMainMsPerUpdate: perUpdate(frameSum.task),
      frameScriptMsPerUpdate: perUpdate(frameSum.script),
      frameLayoutMsPerUpdate: perUpdate(frameSum.layout),
      frameStyleMsPerUpdate: perUpdate(frameSum.style),
      appMainMsPerUpdate: perUpdate(appSum.task),
      appScriptMsPerUpdate: perUpdate(appSum.script),
    };
  } finally {
    await browser.close();
  }
}

const { loupe, stop } = await startLoupe({ LOG_LEVEL: 'error' });
const rows: Row[] = [];
try {
  const api = apiFor(loupe);
  for (const mib of SIZES_MIB) {
    const row = await measure(api, loupe.url, loupe.sandboxOrigin, Math.round(mib * 1024 * 1024));
    rows.push(row);
    process.stdout.write(`render: ${JSON.stringify(row)}\n`);
  }
} finally {
  await stop();
}
// The claim this benchmark checks: the script time an update costs in the reader's frame and app
// (Loupe's work) stays flat as the page grows, for the same one-paragraph change. The browser's own
// layout, style and paint of the page are reported beside it; they grow with the page, as they do
// for the same edit in a plain page without Loupe.
const flat = (values: number[]): boolean => Math.max(...values) <= 2 * Math.min(...values) + 3;
const frameFlat = flat(rows.map((r) => r.frameScriptMsPerUpdate));
const appFlat = flat(rows.map((r) => r.appScriptMsPerUpdate));
process.stdout.write(`render: script per update flat in page size: frame ${frameFlat ? 'yes' : 'NO'}, app ${appFlat ? 'yes' : 'NO'}\n`);
if (!frameFlat || !appFlat) process.exitCode = 1;
const name = option('out') ?? `render-${new Date().toISOString().replace(/[:.]/g, '-')}`;
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/${name}.json`, `${JSON.stringify({ render: rows }, null, 2)}\n`);
process.stdout.write(`bench/results/${name}.json\n`);
