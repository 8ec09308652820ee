import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { chooseHeaderAction } from '../fixtures/live-header';
import { apiFor, createArtifact, expect, signInAs, startLoupe, test, type LoupeProcess } from '../fixtures/server';
import { callAs } from '../review/inbox-seed';
import { pushVersion, VERSION_PAGES } from '../versions/pages';

/**
 * Screenshots of versions, wide and narrow, light and dark: the live view's
 * timeline (with "New since your last visit"), the restore confirmation, a
 * version, an unknown version, and compare as source and as rendered pages.
 *   npx playwright test --config e2e/screenshots.config.ts e2e/ui/versions.capture.ts
 */
const DIR = process.env.SCREENSHOT_DIR ?? 'test-results/screenshots';
const VIEWPORTS = { wide: { width: 1440, height: 900 }, narrow: { width: 390, height: 844 } } as const;
const SCHEMES = ['light', 'dark'] as const;

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(DIR, `${name}.png`) });
}

async function newPage(browser: Browser, loupe: LoupeProcess, size: keyof typeof VIEWPORTS, scheme: (typeof SCHEMES)[number], artifactId: string) {
  const context = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORTS[size], colorScheme: scheme, reducedMotion: 'reduce' });
  await signInAs(context, loupe);
  // This reader last saw v1, so v2 and v3 are "New". What a person has seen is kept on the server
  // per account and never lowered, hence a fresh artifact for every pass.
  await callAs(context.request, loupe, 'PUT', `/api/v1/artifacts/${artifactId}/seen`, { n: 1 });
  return { context, page: await context.newPage() };
}

test.describe('screenshots', () => {
  test.setTimeout(240_000);

  test('versions, wide and narrow, light and dark', async ({ browser }) => {
    mkdirSync(DIR, { recursive: true });
    const { loupe, stop } = await startLoupe();
    try {
      const api = apiFor(loupe);

      for (const size of Object.keys(VIEWPORTS) as Array<keyof typeof VIEWPORTS>) {
        for (const scheme of SCHEMES) {
          const suffix = `${size}-${scheme}`;
          const id = await createArtifact(api, { title: 'Rollout plan: split the events table', project: 'platform', session: 'mig-88', kind: 'plan', html: VERSION_PAGES[0].html });
          for (const version of VERSION_PAGES) await pushVersion(api, id, version.html, version.message);
          const { context, page } = await newPage(browser, loupe, size, scheme, id);

          await page.goto(`/a/${id}`);
          await expect(page.frameLocator('iframe').getByRole('heading', { name: 'Rollout plan, reviewed' })).toBeVisible();
          // Two new versions: counted on History, or on a dot on "More" where History is folded into it.
          if (size === 'wide') await expect(page.getByTestId('history-toggle')).toContainText('2');
          else await expect(page.getByTestId('header-more')).toHaveAccessibleName('More, 2 new versions');
          await chooseHeaderAction(page, page.getByRole('button', { name: /History/ }), 'History');
          await expect(page.getByTestId('version-entry')).toHaveCount(3);
          await expect(page.getByTestId('new-since')).toBeVisible();
          await shoot(page, `ver-timeline-${suffix}`);
          await page.getByRole('button', { name: 'Restore v1' }).click();
          await expect(page.getByRole('dialog', { name: 'Restore v1?' })).toBeVisible();
          await shoot(page, `ver-restore-confirm-${suffix}`);
          await page.getByRole('button', { name: 'Cancel' }).click();
          await page.getByLabel('Named only').check();
          await expect(page.getByTestId('version-entry')).toHaveCount(3);

          await page.goto(`/a/${id}/v/2`);
          await expect(page.getByTestId('version-position')).toHaveText('Viewing v2 of 3');
          await expect(page.frameLocator('iframe').getByText('Rollback: flip the flag')).toBeVisible();
          await shoot(page, `ver-version-${suffix}`);
          await page.getByRole('button', { name: 'Previous version, v1' }).click();
          await expect(page.getByTestId('version-position')).toHaveText('Viewing v1 of 3');
          await expect(page.frameLocator('iframe').getByText('Rollback: flip the flag')).toBeHidden();
          await expect(page).toHaveURL(new RegExp(`/a/${id}/v/1$`));

          await page.goto(`/a/${id}/v/9`);
          await expect(page.getByTestId('version-not-found')).toBeVisible();
          await shoot(page, `ver-version-missing-${suffix}`);

          await page.goto(`/a/${id}/compare?from=1&to=3`);
          await expect(page.getByTestId('diff-stats')).toContainText('lines');
          await shoot(page, `ver-compare-source-${suffix}`);
          await page.getByRole('tab', { name: 'Rendered' }).click();
          await expect(page.frameLocator('[data-testid="rendered-to"] iframe').locator('[data-loupe-changed]').first()).toBeVisible();
          await expect(page.frameLocator('[data-testid="rendered-from"] iframe').getByRole('heading', { name: 'Rollout plan', exact: true })).toBeVisible();
          await shoot(page, `ver-compare-rendered-${suffix}`);
          await context.close();
        }
      }
    } finally {
      await stop();
    }
  });
});
