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

/** A page of about `bytes` UTF-16 units, like the ones agents write. */
function pageOfSize(bytes: number): string {
  const random = rng(bytes);
  let sections = Math.max(1, Math.round(bytes / 1400));
  let text = pageOfSections(random, sections);
  // One more pass to land near the size (sections vary in length).
  sections = Math.max(1, Math.round((sections * bytes) / text.length));
  text = pageOfSections(rng(bytes), sections);
  return text;
}

/** The paragraphs' inner text ranges that hold plain text only, to edit in place. */
function editablePlaces(text: string): number[] {
  const places: number[] = [];
  const re = /<p>([^<]{20,})<\/p>/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) places.push(m.index + 3);
  return places;
}

async function taskMs(session: CDPSession): Promise<number> {
  const { metrics } = (await session.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
}

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
  frameMainMsPerUpdate: number;
  appMainMsPerUpdate: number;
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
    let frameMs = 0;
    let appMs = 0;
    for (let i = 0; i < UPDATES; i++) {
      const marker = `bench-mark-${i}`;
      const at = places[Math.floor((places.length * (i + 0.5)) / UPDATES)];
      const next = `${text.slice(0, at)}${marker} ${text.slice(at)}`;
      const frameBefore = await taskMs(frameSession);
      const appBefore = await taskMs(appSession);
      const sent = Date.now();
      await putContent(api, id, next);
      const seenAt = await frame.waitForFunction((m) => (window as unknown as { __benchSeen: Record<string, number> }).__benchSeen[m], marker, {
        timeout: 120_000,
        polling: 20,
      });
      latencies.push(((await seenAt.jsonValue()) as number) - sent);
      // Let the update finish (the frame posts `rendered`, pins are placed) before reading the counters.
      await page.waitForTimeout(150);
      frameMs += (await taskMs(frameSession)) - frameBefore;
      appMs += (await taskMs(appSession)) - appBefore;
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
      frameMainMsPerUpdate: Math.round((frameMs / UPDATES) * 10) / 10,
      appMainMsPerUpdate: Math.round((appMs / UPDATES) * 10) / 10,
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
const name = option('out') ?? `render-${new Date().toISOString().replace(/[:.]/g, '-')}`;
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/${name}.json`, `${JSON.stringify({ render: rows }, null, 2)}\n`);
process.stdout.write(`bench/results/${name}.json\n`);
