import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { APIRequestContext, Browser, BrowserContext, Page } from '@playwright/test';
import { apiFor, createArtifact, expect, signInAs, startLoupe, test, type LoupeProcess } from '../fixtures/server';

/**
 * Screenshots of presence and the shared notes, wide and narrow, light and
 * dark: avatars with where each reader is, the scroll rail (a marker's
 * tooltip), following, a leader on another version, an agent writing, the
 * notes with another writer's cursor, the notes for a viewer, and a version
 * page with its readers.
 *   npx playwright test --config e2e/screenshots.config.ts e2e/ui/presence.capture.ts
 */
const DIR = process.env.SCREENSHOT_DIR ?? 'test-results/screenshots';
const VIEWPORTS = { wide: { width: 1440, height: 900 }, narrow: { width: 390, height: 844 } } as const;
const SCHEMES = ['light', 'dark'] as const;
const PASSWORD = 'a long enough password';

const PEOPLE = {
  grace: { name: 'Grace Hopper', email: 'grace@loupe.test', role: 'member' },
  katherine: { name: 'Katherine Johnson', email: 'katherine@loupe.test', role: 'member' },
  linus: { name: 'Linus Pauling', email: 'linus@loupe.test', role: 'viewer' },
} as const;
type Who = (typeof PEOPLE)[keyof typeof PEOPLE];

const PAGE = `<!doctype html><html><head><style>
body{font:16px/1.6 system-ui,sans-serif;margin:0;color:#1d2330;background:#fff}
header{padding:36px 48px;background:linear-gradient(120deg,#9f1239,#7c2d12);color:#fff}
header h1{margin:0 0 6px;font-size:28px} main{padding:24px 48px;max-width:880px}
h2{margin:28px 0 6px;font-size:19px} time{color:#64748b;font-variant-numeric:tabular-nums}
</style></head><body><header><h1>Incident 311: checkout latency</h1><div>Timeline and findings, written by the agent</div></header><main>
${Array.from({ length: 24 }, (_, i) => `<h2>${String(14 + Math.floor(i / 4)).padStart(2, '0')}:${String((i % 4) * 15).padStart(2, '0')} · Step ${i + 1}</h2><p><time>+${i * 4} min</time> What the on-call and the agent saw at this point: p99 latency, error rates, the deploy that went out, and what was tried next.</p>`).join('\n')}
</main></body></html>`;

async function send(request: APIRequestContext, loupe: LoupeProcess, method: 'POST', path: string, data: unknown): Promise<void> {
  const response = await request.fetch(loupe.url + path, { method, data, headers: { origin: loupe.url } });
  expect(response.status(), `${method} ${path}: ${await response.text()}`).toBeLessThan(300);
}

async function addPerson(request: APIRequestContext, loupe: LoupeProcess, who: Who): Promise<void> {
  const invitation = await request.fetch(`${loupe.url}/api/v1/org/invitations`, { method: 'POST', data: { role: who.role, email: who.email }, headers: { origin: loupe.url } });
  const secret = new URL(((await invitation.json()) as { url: string }).url).pathname.split('/').pop() ?? '';
  const accepted = await fetch(`${loupe.url}/api/v1/invitations/${secret}/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: loupe.url },
    body: JSON.stringify({ name: who.name, email: who.email, password: PASSWORD }),
  });
  expect(accepted.status, await accepted.clone().text()).toBe(201);
}

async function contextFor(browser: Browser, loupe: LoupeProcess, who: Who | null, size: keyof typeof VIEWPORTS = 'wide', scheme: (typeof SCHEMES)[number] = 'light'): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORTS[size], colorScheme: scheme, reducedMotion: 'reduce' });
  await signInAs(context, loupe, who?.email, who ? PASSWORD : undefined);
  return context;
}

async function openLive(page: Page, id: string): Promise<void> {
  await page.goto(`/a/${id}`);
  await expect(page.frameLocator('iframe').getByRole('heading', { name: 'Incident 311: checkout latency' })).toBeVisible();
}

/** Scrolls the artifact to a share of its height, as a reader would. */
async function scrollTo(page: Page, share: number): Promise<void> {
  const frame = page.frames().find((f) => f !== page.mainFrame());
  await frame?.evaluate((s) => window.scrollTo(0, (document.documentElement.scrollHeight - window.innerHeight) * s), share);
}

async function openNotes(page: Page): Promise<void> {
  const toggle = page.getByTestId('comments-toggle');
  await expect(toggle).toBeVisible();
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await page.getByRole('tab', { name: 'Notes' }).click();
  await expect(page.getByTestId('notes-editor')).toHaveAttribute('contenteditable', /true|false/);
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(DIR, `${name}.png`) });
}

/** Writes the notes once, with markdown shortcuts, as a person would. */
async function writeNotes(page: Page): Promise<void> {
  const editor = page.getByTestId('notes-editor');
  await expect(editor).toHaveAttribute('contenteditable', 'true');
  await editor.click();
  for (const line of [
    '## Hand-off',
    'Rollback is ready behind the `checkout_v2` flag.',
    '- p99 back under 300 ms since 15:10',
    'Error rate flat at 0.2%',
  ]) {
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
  }
  await page.keyboard.press('Enter');
  await page.keyboard.type('[] Confirm the backfill finished');
  await page.keyboard.press('Enter');
  await page.keyboard.type('Post the summary in #incidents');
}

test.describe('screenshots', () => {
  test.setTimeout(600_000);

  test('presence and notes, wide and narrow, light and dark', async ({ browser }) => {
    mkdirSync(DIR, { recursive: true });
    const { loupe, stop } = await startLoupe();
    try {
      const api = apiFor(loupe);
      const id = await createArtifact(api, { title: 'Incident 311: checkout latency', project: 'platform', session: 'inc-311', kind: 'timeline', html: PAGE });
      const setup = await contextFor(browser, loupe, null);
      for (const who of Object.values(PEOPLE)) await addPerson(setup.request, loupe, who);
      await send(setup.request, loupe, 'POST', `/api/v1/artifacts/${id}/publish`, { visibility: 'org' });
      await setup.close();
      const cut = await api(`/api/v1/artifacts/${id}/versions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Timeline to 16:00' }) });
      expect(cut.status).toBe(201);

      // Grace reads along; Katherine writes in the notes.
      const grace = await (await contextFor(browser, loupe, PEOPLE.grace)).newPage();
      const katherine = await (await contextFor(browser, loupe, PEOPLE.katherine)).newPage();
      await openLive(katherine, id);
      await openNotes(katherine);
      await writeNotes(katherine);

      for (const size of Object.keys(VIEWPORTS) as Array<keyof typeof VIEWPORTS>) {
        for (const scheme of SCHEMES) {
          const suffix = `${size}-${scheme}`;
          await openLive(grace, id);
          await scrollTo(grace, 0.45);
          await scrollTo(katherine, 0.8);
          // Katherine's caret at the end of the notes: her cursor shows to the others.
          await katherine.getByTestId('notes-editor').click();
          await katherine.keyboard.press('Control+End');

          const context = await contextFor(browser, loupe, null, size, scheme);
          const page = await context.newPage();
          await openLive(page, id);
          const graceMarker = page.getByTestId('scroll-rail').getByRole('button', { name: /^Follow Grace Hopper, [1-9]/ });
          await expect(graceMarker).toBeVisible();
          await expect(page.getByTestId('scroll-rail').getByRole('button', { name: /^Follow Katherine Johnson, [1-9]/ })).toBeVisible();
          await graceMarker.hover();
          await shoot(page, `presence-rail-${suffix}`);

          await page.mouse.move(0, 0);
          await page.getByRole('button', { name: 'Follow Grace Hopper', exact: true }).focus();
          await shoot(page, `presence-avatar-tooltip-${suffix}`);

          await graceMarker.click();
          await expect(page.getByTestId('follow-pill')).toContainText('Following Grace Hopper');
          await page.mouse.move(0, 0);
          await shoot(page, `presence-following-${suffix}`);

          await grace.goto(`/a/${id}/v/1`);
          await expect(page.getByTestId('follow-pill')).toContainText('Grace Hopper is on v1');
          await shoot(page, `presence-leader-elsewhere-${suffix}`);
          await page.getByTestId('follow-pill').getByRole('link').click();
          await expect(page.getByTestId('version-position')).toHaveText(/^Viewing v1 of \d+$/);
          await expect(page.getByTestId('follow-pill')).toContainText('Following Grace Hopper');
          await expect(page.frameLocator('iframe').getByRole('heading', { name: 'Incident 311: checkout latency' })).toBeVisible();
          await shoot(page, `presence-version-${suffix}`);
          await page.keyboard.press('Escape');

          // An agent streaming a section: it pulses while it writes.
          await openLive(page, id);
          let release!: () => void;
          const gate = new Promise<void>((resolve) => (release = resolve));
          const body = new ReadableStream<Uint8Array>({
            async start(controller) {
              controller.enqueue(new TextEncoder().encode('\n'));
              await gate;
              controller.close();
            },
          });
          const streaming = api(`/api/v1/artifacts/${id}/stream`, { method: 'POST', headers: { 'content-type': 'text/html' }, body, duplex: 'half' } as RequestInit);
          const agent = page.getByRole('img', { name: /\(agent\), writing$/ });
          await expect(agent).toBeVisible();
          await agent.focus();
          await shoot(page, `presence-agent-writing-${suffix}`);
          release();
          expect((await streaming).status).toBe(200);

          await openNotes(page);
          await expect(page.getByTestId('notes-panel').getByText('Katherine Johnson', { exact: true })).toBeVisible();
          await shoot(page, `notes-${suffix}`);
          await context.close();

          const viewerContext = await contextFor(browser, loupe, PEOPLE.linus, size, scheme);
          const viewer = await viewerContext.newPage();
          await openLive(viewer, id);
          await openNotes(viewer);
          await expect(viewer.getByTestId('notes-editor')).toContainText('Hand-off');
          await shoot(viewer, `notes-viewer-${suffix}`);
          await viewerContext.close();
        }
      }
    } finally {
      await stop();
    }
  });
});
