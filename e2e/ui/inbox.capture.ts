import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { APIRequestContext, Browser, Page } from '@playwright/test';
import { ADMIN_EMAIL, apiFor, createArtifact, expect, signInAs, startLoupe, test, type ApiCall, type LoupeProcess } from '../fixtures/server';
import { chooseHeaderAction } from '../fixtures/live-header';
import { addMember, callAs, publishToOrg, startThread, type Account } from '../review/inbox-seed';
import { pushVersion, VERSION_PAGES } from '../versions/pages';

/**
 * Screenshots of review status and the inbox, wide and narrow, light and
 * dark: the live header's status chip (ready, changes requested, stale) with
 * the bell's count, the status dialog, the review dialog (with its inline
 * error), the inbox (unread, all, caught up) and the approvals setting.
 *   SCREENSHOT_DIR=/tmp/shots npx playwright test --config e2e/screenshots.config.ts e2e/ui/inbox.capture.ts
 */
const DIR = process.env.SCREENSHOT_DIR ?? 'test-results/screenshots';
const VIEWPORTS = { wide: { width: 1440, height: 900 }, narrow: { width: 390, height: 844 } } as const;
const SCHEMES = ['light', 'dark'] as const;
type Size = keyof typeof VIEWPORTS;

const BEA: Account = { name: 'Bea Rivera', email: 'bea@loupe.test', password: 'bea has a long password' };
const CHIDI: Account = { name: 'Chidi Okafor', email: 'chidi@loupe.test', password: 'chidi has a long password' };

async function shoot(page: Page, name: string, fullPage = false): Promise<void> {
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(DIR, `${name}.png`), fullPage });
}

interface Seeded {
  loupe: LoupeProcess;
  bea: APIRequestContext;
  chidi: APIRequestContext;
  /** Bea's own agent (her token), so what it does reaches Ada's inbox. */
  beaAgent: ApiCall;
  rollout: string;
  postmortem: string;
  funnel: string;
  payments: string;
}

async function review(request: APIRequestContext, loupe: LoupeProcess, id: string, verdict: string, summary = ''): Promise<void> {
  await callAs(request, loupe, 'POST', `/api/v1/artifacts/${id}/reviews`, { verdict, summary });
}

/** A round of things that land in Ada's inbox: a mention, a review, a request for changes, a reply, "addressed", "resolved". */
async function seedRound(s: Seeded, ada: APIRequestContext): Promise<void> {
  const { loupe } = s;
  await review(s.bea, loupe, s.rollout, 'approve', 'Looks good. Ship it behind the flag and watch p99 for a day.');
  await startThread(s.bea, loupe, s.rollout, `@${ADMIN_EMAIL} can you check the rollback step? Dropping the new table while the backfill runs could lose <b>rows</b>.`);
  await review(s.chidi, loupe, s.postmortem, 'request_changes', 'The timeline misses the 14:02 deploy. Please add it, and say why we rolled back instead of scaling out.');
  const funnelThread = await startThread(ada, loupe, s.funnel, 'Is the drop at step 3 real, or is it the tracking change on the 12th?');
  await callAs(s.bea, loupe, 'POST', `/api/v1/artifacts/${s.funnel}/threads/${funnelThread}/replies`, { text: 'It is the tracking change: the event was renamed. Real drop is about 2%.' });
  const paymentsThread = await startThread(ada, loupe, s.payments, 'Retries need a jitter, or every client retries in the same second.');
  const addressed = await s.beaAgent(`/api/v1/artifacts/${s.payments}/threads/${paymentsThread}/addressed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ note: 'Added full jitter (0–2 s) to every retry.' }),
  });
  expect(addressed.status, await addressed.clone().text()).toBe(200);
  const other = await startThread(ada, loupe, s.payments, 'Typo in the second heading.');
  await callAs(s.bea, loupe, 'PATCH', `/api/v1/artifacts/${s.payments}/threads/${other}`, { status: 'resolved' });
}

test.describe('screenshots', () => {
  test.setTimeout(420_000);

  test('review status and inbox, wide and narrow, light and dark', async ({ browser }) => {
    mkdirSync(DIR, { recursive: true });
    const { loupe, stop } = await startLoupe();
    try {
      await shootAll(browser, loupe);
    } finally {
      await stop();
    }
  });
});

async function shootAll(browser: Browser, loupe: LoupeProcess): Promise<void> {
  const api = apiFor(loupe);
  const setup = await browser.newContext({ baseURL: loupe.url });
  await signInAs(setup, loupe);
  await callAs(setup.request, loupe, 'PATCH', '/api/v1/me', { name: 'Ada Lovelace' });
  await callAs(setup.request, loupe, 'PATCH', '/api/v1/org', { name: 'Acme Analytical Engines' });
  await addMember(setup.request, loupe, BEA);
  await addMember(setup.request, loupe, CHIDI);
  const beaContext = await browser.newContext({ baseURL: loupe.url });
  await signInAs(beaContext, loupe, BEA.email, BEA.password);
  const chidiContext = await browser.newContext({ baseURL: loupe.url });
  await signInAs(chidiContext, loupe, CHIDI.email, CHIDI.password);
  const beaToken = (await callAs(beaContext.request, loupe, 'POST', '/api/v1/tokens', {
    name: 'bea’s codex agent',
    scopes: ['artifacts:write', 'comments:write'],
    expiresInDays: 30,
  })) as { token: string };
  const beaAgent = apiFor({ ...loupe, token: beaToken.token });

  // Ready for hand-off: three versions, Bea approves the latest.
  const rollout = await createArtifact(api, { title: 'Rollout plan: split the events table', project: 'platform', session: 'mig-88', kind: 'plan', html: VERSION_PAGES[0].html });
  for (const version of VERSION_PAGES) await pushVersion(api, rollout, version.html, version.message);
  // Changes requested beside an approval.
  const postmortem = await createArtifact(api, { title: 'Checkout latency postmortem', project: 'payments', kind: 'report', html: VERSION_PAGES[0].html });
  await pushVersion(api, postmortem, VERSION_PAGES[0].html, 'First draft');
  // Stale: approved at v1, then the agent pushes v2.
  const funnel = await createArtifact(api, { title: 'Q3 onboarding funnel', project: 'growth', kind: 'analysis', html: VERSION_PAGES[0].html });
  await pushVersion(api, funnel, VERSION_PAGES[0].html, 'First cut');
  // Bea's agent's artifact, where Ada's threads get "addressed" and "resolved".
  const payments = await createArtifact(beaAgent, { title: 'Payments retry design', project: 'payments', kind: 'design', html: VERSION_PAGES[0].html });
  await pushVersion(beaAgent, payments, VERSION_PAGES[0].html, 'Design');
  for (const id of [rollout, postmortem, funnel]) await publishToOrg(setup.request, loupe, id);
  await callAs(beaContext.request, loupe, 'POST', `/api/v1/artifacts/${payments}/publish`, { visibility: 'org' });

  await review(beaContext.request, loupe, postmortem, 'approve', 'Clear and complete from my side.');
  await review(beaContext.request, loupe, funnel, 'approve');
  await pushVersion(api, funnel, VERSION_PAGES[1].html, 'Step 3 explained');

  // Each round below adds six; start the count from there.
  await callAs(setup.request, loupe, 'POST', '/api/v1/inbox/read', { all: true });

  const seeded: Seeded = { loupe, bea: beaContext.request, chidi: chidiContext.request, beaAgent, rollout, postmortem, funnel, payments };

  for (const size of Object.keys(VIEWPORTS) as Size[]) {
    for (const scheme of SCHEMES) {
      const tag = `${size}-${scheme}`;
      await seedRound(seeded, setup.request);
      const context = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORTS[size], colorScheme: scheme, reducedMotion: 'reduce' });
      await signInAs(context, loupe);
      const page = await context.newPage();
      const chip = page.getByTestId('review-status-chip');

      // ---- the live header ----
      await page.goto(`/a/${rollout}`);
      await expect(page.frameLocator('iframe').getByRole('heading', { name: 'Rollout plan, reviewed' })).toBeVisible();
      await expect(chip).toHaveText('Approved · ready for hand-off');
      await expect(page.getByTestId('inbox-badge')).toBeVisible();
      await shoot(page, `review-header-ready-${tag}`);
      await chip.click();
      await expect(page.getByRole('dialog', { name: 'Review status' })).toBeVisible();
      await shoot(page, `review-status-dialog-${tag}`);
      await page.keyboard.press('Escape');

      await chooseHeaderAction(page, page.getByRole('button', { name: 'Review', exact: true }), 'Review');
      const dialog = page.getByRole('dialog', { name: 'Review this page' });
      await dialog.getByRole('radio', { name: /^Request changes/ }).check();
      await dialog.getByRole('button', { name: 'Request changes', exact: true }).click();
      await expect(dialog.getByText('Say what needs to change.')).toBeVisible();
      await shoot(page, `review-dialog-error-${tag}`);
      await page.keyboard.press('Escape');

      await page.goto(`/a/${postmortem}`);
      await expect(chip).toHaveText('Changes requested · Chidi Okafor');
      await shoot(page, `review-header-changes-${tag}`);
      await chip.click();
      await expect(page.getByRole('dialog', { name: 'Review status' }).getByTestId('reviewer-standing')).toHaveCount(2);
      await shoot(page, `review-status-dialog-changes-${tag}`);
      await page.keyboard.press('Escape');

      await page.goto(`/a/${funnel}`);
      await expect(chip).toHaveText('Approval stale');
      await shoot(page, `review-header-stale-${tag}`);

      // ---- the inbox ----
      await page.goto('/inbox');
      await expect(page.getByTestId('inbox-item')).toHaveCount(6);
      await shoot(page, `inbox-unread-${tag}`);
      if (size === 'wide') await shoot(page, `inbox-unread-full-${tag}`, true);
      await page.getByTestId('inbox-item').filter({ hasText: 'mentioned you' }).click();
      await expect(page).toHaveURL(/\?thread=/);
      await page.goto('/inbox?filter=all');
      await expect(page.getByRole('tab', { name: /All/ })).toHaveAttribute('aria-selected', 'true');
      await expect(page.getByTestId('inbox-item').first()).toBeVisible();
      await shoot(page, `inbox-all-${tag}`);
      await page.getByRole('tab', { name: /Unread/ }).click();
      await page.getByRole('button', { name: 'Mark all read' }).click();
      await expect(page.getByRole('heading', { name: 'You’re all caught up' })).toBeVisible();
      await expect(page.getByTestId('inbox-badge')).toHaveCount(0);
      await shoot(page, `inbox-caught-up-${tag}`);

      // ---- the setting ----
      await page.goto('/settings');
      const required = page.getByLabel('Approvals required for hand-off');
      await required.scrollIntoViewIfNeeded();
      await expect(required).toHaveValue('1');
      await shoot(page, `settings-approvals-${tag}`);
      await context.close();
    }
  }
  await beaContext.close();
  await chidiContext.close();
  await setup.close();
}
