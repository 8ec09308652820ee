import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { apiFor, createArtifact, expect, signInAs, startLoupe, test, type LoupeProcess } from '../fixtures/server';
import { addMember, publishToOrg, type Account } from '../review/inbox-seed';
import { agentThread, anchorFor, markAddressed, reactAs, replyAs, reviewPage, threadAs } from '../review/threads-seed';
import { pushVersion } from '../versions/pages';

/**
 * Screenshots of the comments panel, wide and narrow, light and dark: the
 * thread list (pinned, text, changed, outdated, addressed, whole page), the
 * pins on the page, a new pinned comment being written, a reply being
 * written, the resolved filter, and the Notes tab.
 *   npx playwright test --config e2e/screenshots.config.ts e2e/ui/review.capture.ts
 */
const DIR = process.env.SCREENSHOT_DIR ?? 'test-results/screenshots';
const VIEWPORTS = { wide: { width: 1440, height: 900 }, narrow: { width: 390, height: 844 } } as const;
const SCHEMES = ['light', 'dark'] as const;
const BEA: Account = { name: 'Bea Rivera', email: 'bea@loupe.test', password: 'bea has a long password' };
const VIC: Account = { name: 'Vic Viewer', email: 'vic@loupe.test', password: 'vic has a long password' };

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(DIR, `${name}.png`) });
}

async function newPage(browser: Browser, loupe: LoupeProcess, size: keyof typeof VIEWPORTS, scheme: (typeof SCHEMES)[number]) {
  const context = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORTS[size], colorScheme: scheme, reducedMotion: 'reduce' });
  await signInAs(context, loupe);
  return { context, page: await context.newPage() };
}

test.describe('screenshots', () => {
  test.setTimeout(300_000);

  test('comments panel, wide and narrow, light and dark', async ({ browser }) => {
    mkdirSync(DIR, { recursive: true });
    const { loupe, stop } = await startLoupe();
    try {
      const api = apiFor(loupe);
      const id = await createArtifact(api, { title: 'Split the events table', project: 'platform', session: 'mig-88', kind: 'plan', html: reviewPage() });
      await pushVersion(api, id, reviewPage(), 'First draft');

      const seedContext = await browser.newContext({ baseURL: loupe.url });
      await signInAs(seedContext, loupe);
      await publishToOrg(seedContext.request, loupe, id);
      await addMember(seedContext.request, loupe, BEA);
      await addMember(seedContext.request, loupe, VIC, 'viewer');
      const beaContext = await browser.newContext({ baseURL: loupe.url });
      await signInAs(beaContext, loupe, BEA.email, BEA.password);
      const admin = seedContext.request;
      const bea = beaContext.request;

      // 1: an element pin with a conversation and reactions.
      const steps = await threadAs(admin, loupe, id, 'Can we say **who** flips the flag, and when? @bea@loupe.test', await anchorFor(loupe, id, { kind: 'element', tag: 'h2', ordinal: 0, quote: 'Steps' }));
      const stepsReply = await replyAs(bea, loupe, id, steps.id, 'On-call for platform, after the backfill finishes. I will add it.');
      await reactAs(admin, loupe, id, stepsReply.comments[1]!.id, '+1');
      await reactAs(bea, loupe, id, steps.comments[0]!.id, 'eyes');
      // 2: a text pin the agent then changes, and says it addressed.
      const batch = await threadAs(
        bea,
        loupe,
        id,
        '10k rows per batch will hold locks too long on the primary.',
        await anchorFor(loupe, id, { kind: 'text', tag: 'li', ordinal: 1, quote: 'batches of 10k rows', prefix: 'Backfill in ', suffix: '.' }),
      );
      // 3: an element pin on a paragraph the agent then removes.
      await threadAs(admin, loupe, id, 'Quantify this: how much lag is too much?', await anchorFor(loupe, id, { kind: 'element', tag: 'p', ordinal: 0, quote: 'Replication lag could spike while the backfill runs.' }));
      // 4: about the whole page, from the agent.
      await agentThread(api, id, 'I split the plan into steps; tell me if the rollback section needs more detail.');
      // 5: resolved.
      const rollback = await threadAs(bea, loupe, id, 'Rollback is clear, thanks.', await anchorFor(loupe, id, { kind: 'element', tag: 'h2', ordinal: 2, quote: 'Rollback' }));
      await expect
        .poll(async () => (await seedContext.request.fetch(`${loupe.url}/api/v1/artifacts/${id}/threads/${rollback.id}`, { method: 'PATCH', headers: { origin: loupe.url, 'content-type': 'application/json' }, data: JSON.stringify({ status: 'resolved' }) })).status())
        .toBe(200);

      await pushVersion(api, id, reviewPage({ batch: '2k', withRisks: false }), 'Smaller batches; risks moved to the runbook');
      await markAddressed(api, id, batch.id, 'Batches are 2k rows now, paced at 50 ms.');

      for (const size of Object.keys(VIEWPORTS) as Array<keyof typeof VIEWPORTS>) {
        for (const scheme of SCHEMES) {
          const suffix = `${size}-${scheme}`;
          const { context, page } = await newPage(browser, loupe, size, scheme);
          const frame = page.frameLocator('iframe');
          await page.goto(`/a/${id}`);
          await expect(frame.getByRole('heading', { name: 'Split the events table' })).toBeVisible();
          const panel = page.getByTestId('review-panel');
          if (size === 'narrow') {
            await expect(panel).toBeHidden();
            await shoot(page, `rev-closed-${suffix}`);
            await page.getByTestId('comments-toggle').click();
          }
          await expect(panel.getByTestId('thread-card')).toHaveCount(4);
          await expect(panel.locator('[data-anchor-state="outdated"]')).toHaveCount(1);
          await shoot(page, `rev-threads-${suffix}`);
          // The rest of the list: the outdated thread (its quote kept) and the agent's whole-page one.
          await panel.getByTestId('thread-card').last().scrollIntoViewIfNeeded();
          await shoot(page, `rev-threads-end-${suffix}`);

          // The reaction picker, opened from the keyboard.
          if (size === 'wide') {
            const first = panel.getByTestId('thread-card').first().getByTestId('comment').first();
            await first.getByRole('button', { name: 'Add a reaction' }).focus();
            await page.keyboard.press('Enter');
            await expect(first.getByRole('menu', { name: 'Reactions' })).toBeVisible();
            await shoot(page, `rev-react-${suffix}`);
            await page.keyboard.press('Escape');
            await expect(first.getByRole('menu', { name: 'Reactions' })).toBeHidden();
            await expect(panel).toBeVisible();
          }

          // A reply being written.
          await panel.getByRole('button', { name: 'Reply to thread 1' }).click();
          await expect(panel.getByTestId('reply-composer')).toBeVisible();
          await page.keyboard.type('Thanks, that works for me.');
          await shoot(page, `rev-reply-${suffix}`);
          await page.keyboard.press('Escape');

          // Resolved.
          await panel.getByRole('radio', { name: /Resolved/ }).click();
          await expect(panel.getByTestId('thread-card')).toHaveCount(1);
          await shoot(page, `rev-resolved-${suffix}`);
          await panel.getByRole('radio', { name: /Open/ }).click();

          // A new pin: pick the Rollback paragraph.
          await panel.getByTestId('add-pin').click();
          await expect(page.getByTestId('pick-banner')).toBeVisible();
          await shoot(page, `rev-picking-${suffix}`);
          await frame.locator('#rollback').click();
          await expect(panel.getByTestId('new-thread')).toBeVisible();
          await page.keyboard.type('Say how long the old table keeps taking writes.');
          await shoot(page, `rev-new-pin-${suffix}`);
          await panel.getByTestId('new-thread-composer').getByRole('button', { name: 'Cancel' }).click();

          // Text selected in the page: the floating Comment button.
          if (size === 'wide') {
            await frame.locator('li').nth(2).evaluate((element) => {
              const range = document.createRange();
              range.selectNodeContents(element);
              window.getSelection()?.removeAllRanges();
              window.getSelection()?.addRange(range);
            });
            await expect(page.getByTestId('comment-on-selection')).toBeVisible();
            await shoot(page, `rev-selection-${suffix}`);
          }

          // An edited comment and its history.
          if (scheme === 'light') {
            const lag = panel.getByTestId('thread-card').filter({ hasText: 'how much lag' });
            await lag.getByRole('button', { name: 'Edit your comment' }).click();
            await page.keyboard.press('End');
            await page.keyboard.type(' A number, please.');
            await lag.getByRole('button', { name: 'Save' }).click();
            await lag.getByRole('button', { name: 'edited' }).click();
            await expect(lag.getByTestId('comment-history')).toContainText('Version 1');
            await lag.scrollIntoViewIfNeeded();
            await shoot(page, `rev-history-${suffix}`);
          }

          // Notes.
          await panel.getByRole('tab', { name: 'Notes' }).click();
          await expect(panel.getByTestId('notes-panel')).not.toContainText('Loading the notes');
          await shoot(page, `rev-notes-${suffix}`);
          await context.close();
        }
      }
      // A viewer reads the review but has no way to write to it.
      const vicContext = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORTS.wide, colorScheme: 'light', reducedMotion: 'reduce' });
      await signInAs(vicContext, loupe, VIC.email, VIC.password);
      const vic = await vicContext.newPage();
      await vic.goto(`/a/${id}`);
      await expect(vic.getByTestId('review-panel').getByTestId('thread-card')).toHaveCount(4);
      await expect(vic.getByTestId('add-pin')).toHaveCount(0);
      await shoot(vic, 'rev-viewer-wide-light');
      await vicContext.close();
      await beaContext.close();
      await seedContext.close();
    } finally {
      await stop();
    }
  });
});
