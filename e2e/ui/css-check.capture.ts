import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { anchorFor, agentThread, reviewPage, threadAs } from '../review/threads-seed';
import { apiFor, createArtifact, expect, signInAs, startLoupe, test } from '../fixtures/server';

/**
 * The main pages at 1280 and 390, light and dark, for comparing the CSS before and after a
 * change by eye:  SCREENSHOT_DIR=/tmp/shots npx playwright test --config e2e/screenshots.config.ts e2e/ui/css-check.capture.ts
 */
const DIR = process.env.SCREENSHOT_DIR ?? 'test-results/css-check';
const VIEWPORTS = { wide: { width: 1280, height: 860 }, narrow: { width: 390, height: 844 } } as const;
const SCHEMES = ['light', 'dark'] as const;

test('main pages, wide and narrow, light and dark', async ({ browser }) => {
  test.setTimeout(600_000);
  mkdirSync(DIR, { recursive: true });
  const { loupe, stop } = await startLoupe();
  try {
    const api = apiFor(loupe);
    const id = await createArtifact(api, { title: 'Split the events table', project: 'platform', session: 'mig-88', kind: 'plan', html: reviewPage() });
    await createArtifact(api, { title: 'Weekly cost dashboard', project: 'finops', session: 'week-47', kind: 'dashboard', html: reviewPage() });
    const seed = await browser.newContext({ baseURL: loupe.url });
    await signInAs(seed, loupe);
    await threadAs(seed.request, loupe, id, 'Can we say **who** flips the flag, and when?', await anchorFor(loupe, id, { kind: 'element', tag: 'h2', ordinal: 0, quote: 'Steps' }));
    await agentThread(api, id, 'I split the plan into steps; tell me if the rollback section needs more detail.');
    await seed.close();

    for (const size of Object.keys(VIEWPORTS) as Array<keyof typeof VIEWPORTS>) {
      for (const scheme of SCHEMES) {
        const tag = `${size}-${scheme}`;
        const shoot = (page: Page, name: string, fullPage = false) => page.screenshot({ path: join(DIR, `${name}-${tag}.png`), fullPage });
        const context = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORTS[size], colorScheme: scheme, reducedMotion: 'reduce' });
        const page = await context.newPage();
        await page.goto('/signin');
        await expect(page.getByLabel('Email')).toBeVisible();
        await shoot(page, 'signin');
        await signInAs(context, loupe);
        await page.goto('/');
        await expect(page.getByRole('link', { name: 'Split the events table' })).toBeVisible();
        await shoot(page, 'gallery');
        await page.goto(`/a/${id}`);
        await expect(page.frameLocator('iframe').getByRole('heading', { name: 'Split the events table' })).toBeVisible();
        const panel = page.getByTestId('review-panel');
        if (size === 'narrow') await page.getByTestId('comments-toggle').click();
        await expect(panel.getByTestId('thread-card')).toHaveCount(2);
        await shoot(page, 'live-threads');
        await page.goto('/settings');
        await expect(page.getByLabel('Name', { exact: true })).toBeVisible();
        await shoot(page, 'settings-org', true);
        await page.goto('/settings/members');
        await expect(page.getByRole('heading', { name: 'Invitations', exact: true })).toBeVisible();
        await shoot(page, 'settings-members', true);
        await page.goto('/settings/tokens');
        await page.getByLabel('Name').fill('screenshot agent');
        await page.getByRole('button', { name: 'Create token' }).click();
        await expect(page.getByLabel('New agent token')).toBeVisible();
        await shoot(page, 'settings-tokens-created', true);
        await page.goto('/audit');
        await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
        await shoot(page, 'audit', true);
        await page.goto('/profile');
        await expect(page.getByLabel('Display name')).toBeVisible();
        await shoot(page, 'profile', true);
        await context.close();
      }
    }
  } finally {
    await stop();
  }
});
