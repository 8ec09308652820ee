import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { apiFor, createArtifact, expect, signInAs, startLoupe, test } from '../fixtures/server';

/**
 * Screenshots of the link confirmation, wide and narrow, light and dark: a
 * link in an artifact clicked on the live page (an https address), and one
 * on a version page (a long http address, with its warning).
 *   npx playwright test --config e2e/screenshots.config.ts e2e/ui/links.capture.ts
 * Nothing is opened: the captures stop at the dialog.
 */
const DIR = process.env.SCREENSHOT_DIR ?? 'test-results/screenshots';
const VIEWPORTS = { wide: { width: 1440, height: 900 }, narrow: { width: 390, height: 844 } } as const;
const SCHEMES = ['light', 'dark'] as const;

const SECURE = 'https://docs.example.com/guides/rollout?step=3#flags';
const LONG_INSECURE = `http://metrics.internal.example:8080/dashboards/events-table/split?from=2026-11-01&to=2026-12-01&series=${'p50,p95,p99,'.repeat(6)}errors`;

const PAGE = `<!doctype html><html><head><style>
  body { font: 16px/1.6 system-ui, sans-serif; max-width: 720px; margin: 40px auto; padding: 0 20px; color: #1d2433; }
  h1 { font-size: 28px; margin-bottom: 4px; }
  .meta { color: #667085; margin-top: 0; }
  a { color: #2f5bd3; }
</style></head><body>
  <h1>Rollout plan: split the events table</h1>
  <p class="meta">platform · mig-88</p>
  <p>We move writes to the new table behind a flag, backfill in batches of 50k rows, then flip reads.
     The steps and the flags are in the <a id="docs" href="${SECURE}">rollout guide</a>.</p>
  <p>Watch the <a id="dash" href="${LONG_INSECURE}">events dashboard</a> while the backfill runs.</p>
</body></html>`;

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(DIR, `${name}.png`) });
}

test.describe('screenshots', () => {
  test.setTimeout(240_000);

  test('link confirmation, wide and narrow, light and dark', async ({ browser }) => {
    mkdirSync(DIR, { recursive: true });
    const { loupe, stop } = await startLoupe();
    try {
      const api = apiFor(loupe);
      const id = await createArtifact(api, { title: 'Rollout plan: split the events table', project: 'platform', session: 'mig-88', kind: 'plan', html: PAGE });
      const cut = await api(`/api/v1/artifacts/${id}/versions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'first cut' }) });
      expect(cut.status).toBe(201);
      const { n } = (await cut.json()) as { n: number };

      for (const size of Object.keys(VIEWPORTS) as Array<keyof typeof VIEWPORTS>) {
        for (const scheme of SCHEMES) {
          const suffix = `${size}-${scheme}`;
          const context = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORTS[size], colorScheme: scheme, reducedMotion: 'reduce' });
          await signInAs(context, loupe);
          const page = await context.newPage();
          const dialog = page.getByRole('dialog', { name: 'Open this link?' });

          await page.goto(`/a/${id}`);
          await page.frameLocator('main iframe').locator('#docs').click();
          await expect(dialog.getByTestId('link-destination')).toHaveText(SECURE);
          await expect(dialog.getByRole('button', { name: 'Open link' })).toBeEnabled();
          await shoot(page, `link-confirm-${suffix}`);
          await page.keyboard.press('Escape');
          await expect(dialog).toBeHidden();

          await page.goto(`/a/${id}/v/${n}`);
          await page.frameLocator('main iframe').locator('#dash').click();
          await expect(dialog.getByTestId('link-destination')).toHaveText(LONG_INSECURE);
          await expect(dialog.getByRole('button', { name: 'Open link' })).toBeEnabled();
          await shoot(page, `link-confirm-insecure-${suffix}`);
          await context.close();
        }
      }
    } finally {
      await stop();
    }
  });
});
