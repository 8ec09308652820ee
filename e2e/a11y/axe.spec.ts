import type { Browser, BrowserContext, Page } from '@playwright/test';
import { expectAccessible } from '../fixtures/axe';
import { chooseHeaderAction, openHeaderMenu } from '../fixtures/live-header';
import { apiFor, createArtifact, expect, signInAs, test, type LoupeProcess } from '../fixtures/server';
import { addMember, callAs, publishToOrg, type Account } from '../review/inbox-seed';
import { anchorFor, reviewPage, threadAs } from '../review/threads-seed';
import { pushVersion } from '../versions/pages';

// A server of its own: this spec seeds members, threads, invitations and tokens the other specs do not expect.
test.use({ loupeServer: 'a11y' });

/**
 * axe-core over every page and state of the app, wide (1280) and narrow
 * (390), light and dark: any serious or critical WCAG 2.1 AA violation
 * fails, listing the rule, its impact and the nodes' selectors. One server;
 * the states of a page are checked on one load (a panel or dialog opened,
 * checked, closed). The artifact frame and the overlay's closed shadow root
 * are out of axe's reach: e2e/a11y/overlay.spec.ts covers them.
 */
const VIEWPORTS = { wide: { width: 1280, height: 800 }, narrow: { width: 390, height: 844 } } as const;
const SCHEMES = ['light', 'dark'] as const;
type Size = keyof typeof VIEWPORTS;
type Scheme = (typeof SCHEMES)[number];
const VARIANTS = (Object.keys(VIEWPORTS) as Size[]).flatMap((size) => SCHEMES.map((scheme) => ({ size, scheme })));

// Addresses of their own: the browser suite shares one server, and other specs add bea@ and vic@.
const BEA: Account = { name: 'Bea Okafor', email: 'bea.a11y@loupe.test', password: 'bea has a long password' };
const VIC: Account = { name: 'Vic Ramos', email: 'vic.a11y@loupe.test', password: 'vic has a long password' };
const LINK_PAGE = `<!doctype html><html><body><h1>Links out</h1><p><a id="out" href="https://example.com/runbook">The runbook</a></p></body></html>`;

interface Seeded {
  reviewed: string;
  draft: string;
  links: string;
  invitation: string;
  usedInvitation: string;
}

let seeded: Seeded | undefined;

/** Once per server: a reviewed, versioned, published artifact with threads; a draft; members; invitations; tokens. */
async function seed(browser: Browser, loupe: LoupeProcess): Promise<Seeded> {
  if (seeded) return seeded;
  const api = apiFor(loupe);
  const admin = await browser.newContext({ baseURL: loupe.url });
  await signInAs(admin, loupe);
  const request = admin.request;
  // The admin keeps the name the server gave it ("Admin"): the browser suite shares one server, and
  // other specs look for the admin by that name.
  await addMember(request, loupe, BEA);
  await addMember(request, loupe, VIC, 'viewer');

  const reviewed = await createArtifact(api, { title: 'Split the events table', project: 'platform', session: 'mig-88', kind: 'plan', html: reviewPage() });
  await pushVersion(api, reviewed, reviewPage(), 'First draft');
  await publishToOrg(request, loupe, reviewed);
  const bea = await browser.newContext({ baseURL: loupe.url });
  await signInAs(bea, loupe, BEA.email, BEA.password);
  await threadAs(bea.request, loupe, reviewed, 'Who flips the flag, @admin@loupe.test?', await anchorFor(loupe, reviewed, { kind: 'element', tag: 'h2', ordinal: 0, quote: 'Steps' }));
  await threadAs(bea.request, loupe, reviewed, '10k rows per batch holds locks too long.', await anchorFor(loupe, reviewed, { kind: 'text', tag: 'li', ordinal: 1, quote: 'batches of 10k rows', prefix: 'Backfill in ', suffix: '.' }));
  await threadAs(bea.request, loupe, reviewed, 'Looks good overall.');
  await bea.close();
  await pushVersion(api, reviewed, reviewPage({ batch: '2k', withRisks: false }), 'Smaller batches');

  const draft = await createArtifact(api, { title: 'Migration plan draft', project: 'platform', kind: 'plan', html: reviewPage() });
  const links = await createArtifact(api, { title: 'Links out', project: 'docs', kind: 'notes', html: LINK_PAGE });

  await callAs(request, loupe, 'POST', '/api/v1/tokens', { name: 'release-agent on CI', scopes: ['artifacts:write'], expiresInDays: 90 });
  const secretOf = async (body: Record<string, unknown>) => {
    const created = (await callAs(request, loupe, 'POST', '/api/v1/org/invitations', body)) as { url: string };
    return new URL(created.url).pathname.split('/').pop() ?? '';
  };
  const invitation = await secretOf({ role: 'member', email: 'new.person@loupe.test' });
  const usedInvitation = await secretOf({ role: 'member' });
  const accepted = await fetch(`${loupe.url}/api/v1/invitations/${usedInvitation}/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Used Link', email: 'used@loupe.test', password: 'used link password' }),
  });
  expect(accepted.status).toBe(201);
  await admin.close();
  seeded = { reviewed, draft, links, invitation, usedInvitation };
  return seeded;
}

async function open(browser: Browser, loupe: LoupeProcess, size: Size, scheme: Scheme, account: Account | 'admin' | 'signed out' = 'admin'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORTS[size], colorScheme: scheme, reducedMotion: 'reduce' });
  if (account === 'admin') await signInAs(context, loupe);
  else if (account !== 'signed out') await signInAs(context, loupe, account.email, account.password);
  return { context, page: await context.newPage() };
}

for (const { size, scheme } of VARIANTS) {
  const tag = `${size}, ${scheme}`;

  test.describe(`axe, ${tag}`, () => {
    test.setTimeout(180_000);

    test(`signed out: sign-in, invitations, no organization (${tag})`, async ({ browser, loupe }) => {
      const { invitation, usedInvitation } = await seed(browser, loupe);
      const { context, page } = await open(browser, loupe, size, scheme, 'signed out');
      await page.goto('/signin');
      await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
      await expectAccessible(page, `sign-in (${tag})`);
      await page.getByLabel('Email').fill('ada@example.com');
      await page.getByLabel('Password').fill('wrong password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.locator('#signin-error')).toBeVisible();
      await expectAccessible(page, `sign-in with an error (${tag})`);

      await page.goto(`/invite/${invitation}`);
      await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible();
      await expectAccessible(page, `invitation, signed out (${tag})`);
      await page.goto(`/invite/${usedInvitation}`);
      await expect(page.getByRole('heading', { name: /can’t be used/ })).toBeVisible();
      await expectAccessible(page, `invitation already used (${tag})`);
      await page.goto('/invite/not-a-real-secret');
      await expect(page.getByRole('heading', { name: /doesn’t work/ })).toBeVisible();
      await expectAccessible(page, `unknown invitation (${tag})`);
      await page.goto('/no-org');
      await expect(page.getByRole('heading', { name: 'No organization yet' })).toBeVisible();
      await expectAccessible(page, `no organization (${tag})`);
      await context.close();
    });

    test(`signed in: gallery, inbox, settings, audit, profile, invitation, not found (${tag})`, async ({ browser, loupe }) => {
      const { invitation } = await seed(browser, loupe);
      const { context, page } = await open(browser, loupe, size, scheme);
      await page.goto('/');
      await expect(page.getByRole('link', { name: 'Split the events table' })).toBeVisible();
      await expectAccessible(page, `gallery (${tag})`);
      await page.locator('summary[aria-label^="Account"]').click();
      await expect(page.getByRole('link', { name: 'Audit log' })).toBeVisible();
      await expectAccessible(page, `gallery, account menu open (${tag})`);
      await page.keyboard.press('Escape');
      await page.getByLabel('Search artifacts').fill('nothing matches this');
      await expect(page.getByRole('heading', { name: /No artifacts match/ })).toBeVisible();
      await expectAccessible(page, `gallery, no match (${tag})`);

      await page.goto('/inbox');
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await expect(page.getByText('Who flips the flag').first()).toBeVisible();
      await expectAccessible(page, `inbox (${tag})`);

      await page.goto('/settings');
      await expect(page.getByLabel('Name', { exact: true })).toBeVisible();
      await expectAccessible(page, `settings: organization (${tag})`);
      await page.getByLabel('Delete after a number of days').check();
      await expect(page.getByText('Purges are permanent.')).toBeVisible();
      await expectAccessible(page, `settings: organization, retention on (${tag})`);

      await page.goto('/settings/members');
      await expect(page.getByRole('cell', { name: /^Bea Okafor/ })).toBeVisible();
      await expectAccessible(page, `settings: members (${tag})`);
      await page.getByRole('button', { name: 'Remove Bea Okafor' }).click();
      await expect(page.getByRole('alertdialog')).toBeVisible();
      await expectAccessible(page, `settings: members, remove dialog (${tag})`);
      await page.keyboard.press('Escape');
      await page.getByLabel('Email (optional)').fill(`someone-${size}-${scheme}@loupe.test`);
      await page.getByRole('button', { name: 'Create invitation link' }).click();
      await expect(page.getByRole('textbox', { name: 'Invitation link' })).toBeVisible();
      await expectAccessible(page, `settings: members, invitation created (${tag})`);

      await page.goto('/settings/tokens');
      await expect(page.getByRole('cell', { name: /^release-agent on CI/ })).toBeVisible();
      await expectAccessible(page, `settings: tokens (${tag})`);
      await page.getByLabel('Name').fill(`axe ${size} ${scheme}`);
      await page.getByRole('button', { name: 'Create token' }).click();
      await expect(page.getByLabel('New agent token')).toBeVisible();
      await expectAccessible(page, `settings: tokens, token created (${tag})`);
      await page.getByRole('button', { name: `Revoke axe ${size} ${scheme}` }).click();
      await expect(page.getByRole('alertdialog')).toBeVisible();
      await expectAccessible(page, `settings: tokens, revoke dialog (${tag})`);
      await page.keyboard.press('Escape');

      await page.goto('/audit');
      await expect(page.getByTestId('audit-row').first()).toBeVisible();
      await expect(page.getByTestId('chain-badge')).toContainText('Chain verified');
      await expectAccessible(page, `audit (${tag})`);

      await page.goto('/profile');
      await expect(page.getByLabel('Display name')).toHaveValue('Admin');
      await expectAccessible(page, `profile (${tag})`);
      await page.getByLabel('Current password').fill('not my password');
      await page.getByLabel('New password').fill('short');
      await expectAccessible(page, `profile, short new password (${tag})`);

      await page.goto(`/invite/${invitation}`);
      await expect(page.getByRole('heading', { name: /Join/ })).toBeVisible();
      await expectAccessible(page, `invitation, signed in (${tag})`);

      const missing = await page.goto('/no/such/page');
      expect(missing?.status()).toBe(404);
      await expectAccessible(page, `404, signed in (${tag})`);
      await page.goto('/a/00000000-0000-4000-8000-000000000000');
      await expect(page.getByRole('heading', { name: 'Artifact not found' })).toBeVisible();
      await expectAccessible(page, `unknown artifact (${tag})`);
      await context.close();

      // A viewer: read-only settings.
      const viewer = await open(browser, loupe, size, scheme, VIC);
      await viewer.page.goto('/settings');
      await expect(viewer.page.getByText('Read only.')).toBeVisible();
      await expectAccessible(viewer.page, `settings, read only (${tag})`);
      await viewer.context.close();
    });

    test(`live view with each panel and dialog, version, compare (${tag})`, async ({ browser, loupe }) => {
      const { reviewed, draft, links } = await seed(browser, loupe);
      const { context, page } = await open(browser, loupe, size, scheme);
      const frame = page.frameLocator('main iframe');
      const narrow = size === 'narrow';

      await page.goto(`/a/${reviewed}`);
      await expect(frame.getByRole('heading', { name: 'Split the events table' })).toBeVisible();
      await expectAccessible(page, `live view (${tag})`);
      const panel = page.getByTestId('review-panel');
      if (narrow) await page.getByTestId('comments-toggle').click();
      await expect(panel.getByTestId('thread-card')).toHaveCount(3);
      await expectAccessible(page, `live view, threads (${tag})`);
      await panel.getByRole('button', { name: 'Reply to thread 1' }).click();
      await expect(panel.getByTestId('reply-composer')).toBeVisible();
      await expectAccessible(page, `live view, reply composer (${tag})`);
      await page.keyboard.press('Escape');
      await panel.getByTestId('add-pin').click();
      await expect(page.getByTestId('pick-banner')).toBeVisible();
      await expectAccessible(page, `live view, picking (${tag})`);
      await page.keyboard.press('Escape');
      await expect(page.getByTestId('pick-banner')).toBeHidden();
      await panel.getByRole('tab', { name: 'Notes' }).click();
      await expect(panel.getByTestId('notes-panel')).not.toContainText('Loading the notes');
      // Synced: the toolbar is enabled (a disabled one is exempt from contrast, and only shows while connecting).
      await expect(panel.getByRole('toolbar', { name: 'Format the notes' }).getByRole('button').first()).toBeEnabled();
      await expectAccessible(page, `live view, notes (${tag})`);
      await panel.getByRole('tab', { name: /Threads|Comments/ }).click();

      if (narrow) {
        await openHeaderMenu(page);
        await expectAccessible(page, `live view, More menu (${tag})`);
        await page.keyboard.press('Escape');
      } else {
        await page.getByLabel('More actions').click();
        await expect(page.getByRole('menuitemcheckbox', { name: 'Legal hold' })).toBeVisible();
        await expectAccessible(page, `live view, admin menu (${tag})`);
        await page.keyboard.press('Escape');
      }
      await chooseHeaderAction(page, page.getByRole('button', { name: /History/ }), 'History');
      await expect(page.getByRole('list', { name: /Versions, newest first/ })).toBeVisible();
      await expectAccessible(page, `live view, history (${tag})`);
      await page.getByRole('button', { name: 'Close history' }).click();
      await chooseHeaderAction(page, page.getByRole('button', { name: 'Share' }), 'Share');
      await expect(page.getByRole('dialog', { name: 'Who can see this' })).toBeVisible();
      await expectAccessible(page, `live view, access dialog (${tag})`);
      await page.keyboard.press('Escape');

      await page.goto(`/a/${draft}`);
      await expect(frame.getByRole('heading', { name: 'Split the events table' })).toBeVisible();
      await chooseHeaderAction(page, page.getByRole('button', { name: 'Publish' }), 'Publish');
      const publish = page.getByRole('dialog', { name: 'Publish this draft' });
      await expect(publish).toBeVisible();
      await publish.getByRole('radio', { name: /Only people you pick/ }).check();
      await expect(publish.getByRole('checkbox', { name: /Bea Okafor/ })).toBeVisible();
      await expectAccessible(page, `live view, publish dialog (${tag})`);
      await page.keyboard.press('Escape');

      await page.goto(`/a/${links}`);
      await frame.locator('#out').click();
      await expect(page.getByRole('dialog', { name: 'Open this link?' })).toBeVisible();
      await expectAccessible(page, `live view, open-link dialog (${tag})`);
      await page.keyboard.press('Escape');

      await page.goto(`/a/${reviewed}/v/1`);
      await expect(frame.getByRole('heading', { name: 'Split the events table' })).toBeVisible();
      await expectAccessible(page, `version view (${tag})`);
      await page.goto(`/a/${reviewed}/compare?from=1&to=2`);
      await expect(page.getByTestId('diff-ins').first()).toBeVisible();
      await expectAccessible(page, `compare, source (${tag})`);
      await page.getByRole('tab', { name: 'Rendered' }).click();
      await expect(page.frameLocator('[data-testid="rendered-to"] iframe').locator('[data-loupe-changed]').first()).toBeVisible();
      await expectAccessible(page, `compare, rendered (${tag})`);
      await page.goto(`/a/${reviewed}/v/9`);
      await expectAccessible(page, `unknown version (${tag})`);
      await context.close();
    });
  });
}
