import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { chooseHeaderAction } from '../fixtures/live-header';
import { apiFor, createArtifact, expect, signInAs, startLoupe, test } from '../fixtures/server';
import { addMember, publishToOrg, type Account } from '../review/inbox-seed';
import { joinAsAgent } from '../fixtures/agent-presence';
import { anchorFor, reviewPage, threadAs } from '../review/threads-seed';
import { pushVersion } from '../versions/pages';

/**
 * Screenshots of what the accessibility fixes changed (the palette's subtle
 * text and success colours, presence avatars, the account summary, the
 * version list, the notes toolbar, the audit log, the profile), wide and
 * narrow, light and dark:
 *   npx playwright test --config e2e/screenshots.config.ts e2e/ui/a11y.capture.ts
 */
const DIR = process.env.SCREENSHOT_DIR ?? 'test-results/screenshots';
const VIEWPORTS = { wide: { width: 1280, height: 800 }, narrow: { width: 390, height: 844 } } as const;
const SCHEMES = ['light', 'dark'] as const;
const BEA: Account = { name: 'Bea Rivera', email: 'bea@loupe.test', password: 'bea has a long password' };

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(DIR, `${name}.png`) });
}

test('accessibility fixes, wide and narrow, light and dark', async ({ browser }) => {
  test.setTimeout(600_000);
  mkdirSync(DIR, { recursive: true });
  const { loupe, stop } = await startLoupe();
  try {
    const api = apiFor(loupe);
    const id = await createArtifact(api, { title: 'Split the events table', project: 'platform', kind: 'plan', html: reviewPage() });
    await pushVersion(api, id, reviewPage(), 'First draft');
    await pushVersion(api, id, reviewPage({ batch: '2k' }), 'Smaller batches');
    const admin = await browser.newContext({ baseURL: loupe.url });
    await signInAs(admin, loupe);
    await publishToOrg(admin.request, loupe, id);
    await addMember(admin.request, loupe, BEA);
    const bea = await browser.newContext({ baseURL: loupe.url });
    await signInAs(bea, loupe, BEA.email, BEA.password);
    await threadAs(bea.request, loupe, id, 'Who flips the flag?', await anchorFor(loupe, id, { kind: 'element', tag: 'h2', ordinal: 0, quote: 'Steps' }));
    await bea.close();
    await admin.close();
    const agent = joinAsAgent(loupe, id);
    try {
      for (const size of Object.keys(VIEWPORTS) as Array<keyof typeof VIEWPORTS>) {
        for (const scheme of SCHEMES) {
          const tag = `${size}-${scheme}`;
          const context = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORTS[size], colorScheme: scheme, reducedMotion: 'reduce' });
          await signInAs(context, loupe);
          const page = await context.newPage();
          await page.goto('/');
          await expect(page.getByRole('link', { name: 'Split the events table' })).toBeVisible();
          await shoot(page, `a11y-gallery-${tag}`);
          await page.goto('/audit');
          await expect(page.getByTestId('chain-badge')).toContainText('Chain verified');
          await shoot(page, `a11y-audit-${tag}`);
          await page.goto('/profile');
          await shoot(page, `a11y-profile-${tag}`);
          await page.goto(`/a/${id}`);
          await expect(page.frameLocator('main iframe').getByRole('heading', { name: 'Split the events table' })).toBeVisible();
          await expect(page.getByRole('img', { name: /\(agent\)$/ })).toBeVisible();
          await shoot(page, `a11y-live-${tag}`);
          if (size === 'narrow') await page.getByTestId('comments-toggle').click();
          const panel = page.getByTestId('review-panel');
          await panel.getByRole('tab', { name: 'Notes' }).click();
          await expect(panel.getByRole('toolbar', { name: 'Format the notes' }).getByRole('button').first()).toBeEnabled();
          await shoot(page, `a11y-notes-${tag}`);
          await page.goto(`/a/${id}`);
          await expect(page.frameLocator('main iframe').getByRole('heading', { name: 'Split the events table' })).toBeVisible();
          await chooseHeaderAction(page, page.getByRole('button', { name: /History/ }), 'History');
          await expect(page.getByRole('list', { name: /Versions, newest first/ })).toBeVisible();
          await shoot(page, `a11y-history-${tag}`);
          await page.goto(`/a/${id}/compare?from=1&to=2`);
          await expect(page.getByTestId('diff-ins').first()).toBeVisible();
          await shoot(page, `a11y-compare-${tag}`);
          await context.close();
        }
      }
    } finally {
      agent.leave();
    }
  } finally {
    await stop();
  }
});
