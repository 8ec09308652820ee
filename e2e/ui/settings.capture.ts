import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { APIRequestContext, Browser, BrowserContext, Page } from '@playwright/test';
import { expect, signInAs, startLoupe, test, type LoupeProcess } from '../fixtures/server';

/**
 * Screenshots of the governance pages (settings, members, tokens, profile,
 * invitation, no organization), wide and narrow, light and dark, for a
 * person to look at. Not a regression test:
 *   npx playwright test --config e2e/screenshots.config.ts e2e/ui/settings.capture.ts
 */
const DIR = process.env.SCREENSHOT_DIR ?? 'test-results/screenshots';
const VIEWPORTS = { wide: { width: 1440, height: 900 }, narrow: { width: 390, height: 844 } } as const;
const SCHEMES = ['light', 'dark'] as const;
type Size = keyof typeof VIEWPORTS;
type Scheme = (typeof SCHEMES)[number];

const MEMBER = { name: 'Bea Rivera', email: 'bea@loupe.test', password: 'bea has a long password' };
const VIEWER = { name: 'Chidi Okafor-Lindqvist, Platform Reliability', email: 'chidi.okafor-lindqvist@platform.example.com', password: 'chidi password 123' };

/** Calls the API with the context's session cookie (mutations need the app's Origin). */
async function call(request: APIRequestContext, loupe: LoupeProcess, method: string, path: string, data?: unknown) {
  const response = await request.fetch(loupe.url + path, {
    method,
    headers: { origin: loupe.url, ...(data === undefined ? {} : { 'content-type': 'application/json' }) },
    data: data === undefined ? undefined : JSON.stringify(data),
  });
  expect(response.status(), `${method} ${path}: ${await response.text()}`).toBeLessThan(300);
  return response.status() === 204 ? null : ((await response.json()) as Record<string, unknown>);
}

async function invite(request: APIRequestContext, loupe: LoupeProcess, body: Record<string, unknown>): Promise<string> {
  const created = (await call(request, loupe, 'POST', '/api/v1/org/invitations', body)) as { url: string };
  return new URL(created.url).pathname.split('/').pop() ?? '';
}

async function join_(loupe: LoupeProcess, secret: string, account: { name: string; email: string; password: string }) {
  const response = await fetch(`${loupe.url}/api/v1/invitations/${secret}/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(account),
  });
  expect(response.status, await response.clone().text()).toBe(201);
}

async function shoot(page: Page, name: string, fullPage = false): Promise<void> {
  // A full-page shot taken while scrolled draws the sticky header mid-page.
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(DIR, `${name}.png`), fullPage });
}

async function newContext(browser: Browser, loupe: LoupeProcess, size: Size, scheme: Scheme): Promise<BrowserContext> {
  return browser.newContext({ baseURL: loupe.url, viewport: VIEWPORTS[size], colorScheme: scheme, reducedMotion: 'reduce' });
}

test.describe('screenshots', () => {
  test.setTimeout(300_000);

  test('governance pages, wide and narrow, light and dark', async ({ browser }) => {
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
  // Seed: two people joined through links, a pending invitation, a few tokens (one revoked).
  const setup = await browser.newContext({ baseURL: loupe.url });
  await signInAs(setup, loupe);
  await call(setup.request, loupe, 'PATCH', '/api/v1/me', { name: 'Ada Lovelace' });
  await call(setup.request, loupe, 'PATCH', '/api/v1/org', { name: 'Acme Analytical Engines' });
  // A second organization: the profile lists two and the account menu offers a switch.
  await call(setup.request, loupe, 'POST', '/api/v1/orgs', { name: 'Difference Engine Restoration Society' });
  await join_(loupe, await invite(setup.request, loupe, { role: 'member' }), MEMBER);
  await join_(loupe, await invite(setup.request, loupe, { role: 'viewer', email: VIEWER.email }), VIEWER);
  await invite(setup.request, loupe, { role: 'admin', email: 'dana@loupe.test', expiresInDays: 3 });
  await invite(setup.request, loupe, { role: 'member', expiresInDays: 30 });
  await call(setup.request, loupe, 'POST', '/api/v1/tokens', { name: 'release-agent on CI', scopes: ['artifacts:write'], expiresInDays: 90 });
  await call(setup.request, loupe, 'POST', '/api/v1/tokens', { name: 'review bot', scopes: ['artifacts:write', 'comments:write'], expiresInDays: null });
  const old = (await call(setup.request, loupe, 'POST', '/api/v1/tokens', { name: 'laptop (old)', scopes: [], expiresInDays: 7 })) as { id: string };
  await call(setup.request, loupe, 'DELETE', `/api/v1/tokens/${old.id}`);
  const memberContext = await browser.newContext({ baseURL: loupe.url });
  await signInAs(memberContext, loupe, MEMBER.email, MEMBER.password);
  await call(memberContext.request, loupe, 'POST', '/api/v1/tokens', { name: 'bea’s codex agent', scopes: ['artifacts:write'], expiresInDays: 30 });
  await memberContext.close();
  const liveSecret = await invite(setup.request, loupe, { role: 'member', email: 'new.person@loupe.test' });
  const usedSecret = await invite(setup.request, loupe, { role: 'member' });
  await join_(loupe, usedSecret, { name: 'Used Link', email: 'used@loupe.test', password: 'used link password' });
  await setup.close();

  for (const size of Object.keys(VIEWPORTS) as Size[]) {
    for (const scheme of SCHEMES) {
      const tag = `${size}-${scheme}`;

      // ---- admin ----
      const context = await newContext(browser, loupe, size, scheme);
      await signInAs(context, loupe);
      const page = await context.newPage();

      await page.goto('/settings');
      await expect(page.getByLabel('Name', { exact: true })).toHaveValue('Acme Analytical Engines');
      await shoot(page, `settings-org-${tag}`);
      await page.getByLabel('Delete after a number of days').check();
      await page.getByLabel('Days to keep an artifact after its last update').fill('30');
      await expect(page.getByText('Purges are permanent.')).toBeVisible();
      await shoot(page, `settings-org-retention-${tag}`, true);

      await page.goto('/settings/members');
      await expect(page.getByRole('cell', { name: /^Bea Rivera/ })).toBeVisible();
      await expect(page.getByText('dana@loupe.test', { exact: true })).toBeVisible();
      await shoot(page, `settings-members-${tag}`, true);
      await page.getByRole('button', { name: 'Remove Bea Rivera' }).click();
      await expect(page.getByRole('alertdialog')).toBeVisible();
      await shoot(page, `settings-members-remove-dialog-${tag}`);
      await page.keyboard.press('Escape');
      await page.getByLabel('Email (optional)').fill('erin@loupe.test');
      await page.getByRole('button', { name: 'Create invitation link' }).click();
      await expect(page.getByRole('textbox', { name: 'Invitation link' })).toBeVisible();
      await page.getByRole('heading', { name: 'Invitations', exact: true }).scrollIntoViewIfNeeded();
      await shoot(page, `settings-members-invite-created-${tag}`);

      await page.goto('/settings/tokens');
      await expect(page.getByRole('cell', { name: /^review bot/ })).toBeVisible();
      await shoot(page, `settings-tokens-${tag}`, true);
      await page.getByLabel('Name').fill('screenshot agent');
      await page.getByLabel('Read and reply to comments').check();
      await page.getByRole('button', { name: 'Create token' }).click();
      await expect(page.getByLabel('New agent token')).toBeVisible();
      await shoot(page, `settings-tokens-created-${tag}`);
      await page.getByLabel('All tokens in the organization').check();
      await expect(page).toHaveURL(/all=1/);
      await expect(page.getByRole('cell', { name: /^bea’s codex agent/ })).toBeVisible();
      await shoot(page, `settings-tokens-all-${tag}`, true);
      await page.getByRole('button', { name: 'Revoke review bot' }).click();
      await expect(page.getByRole('alertdialog')).toBeVisible();
      await shoot(page, `settings-tokens-revoke-dialog-${tag}`);
      await page.keyboard.press('Escape');

      await page.goto('/profile');
      await expect(page.getByLabel('Display name')).toHaveValue('Ada Lovelace');
      await shoot(page, `profile-${tag}`, true);
      await page.getByLabel('Current password').fill('not my password');
      await page.getByLabel('New password').fill('short');
      await shoot(page, `profile-password-short-${tag}`);

      await page.goto('/');
      await page.locator('summary[aria-label^="Account"]').click();
      await expect(page.getByRole('link', { name: 'Audit log' })).toBeVisible();
      await expect(page.getByRole('button', { name: 'Switch to Difference Engine Restoration Society' })).toBeVisible();
      await shoot(page, `account-menu-admin-${tag}`);

      // "New organization…" in the menu: the profile form, focused; then a failed attempt.
      await page.getByRole('link', { name: 'New organization…' }).click();
      await expect(page.getByLabel('Organization name')).toBeFocused();
      await shoot(page, `profile-new-org-${tag}`);
      await page.route(
        '**/api/v1/orgs',
        (route) => route.fulfill({ status: 429, json: { error: { code: 'rate_limited', message: 'Too many requests; try again in 30 seconds.' } } }),
        { times: 1 },
      );
      await page.getByLabel('Organization name').fill('Analytical Engine, Second Attempt');
      await page.getByRole('button', { name: 'Create organization' }).click();
      await expect(page.getByRole('alert').filter({ hasText: 'Couldn’t create the organization' })).toBeVisible();
      await shoot(page, `profile-new-org-error-${tag}`);

      // ---- signed in, opening an invitation ----
      await page.goto(`/invite/${liveSecret}`);
      await expect(page.getByRole('heading', { name: /Join Acme/ })).toBeVisible();
      await expect(page.getByRole('button', { name: /(Open|Join) Acme/ })).toBeVisible();
      await shoot(page, `invite-signed-in-${tag}`);
      await context.close();

      // ---- a viewer: read-only settings ----
      const viewer = await newContext(browser, loupe, size, scheme);
      await signInAs(viewer, loupe, VIEWER.email, VIEWER.password);
      const viewerPage = await viewer.newPage();
      await viewerPage.goto('/settings');
      await expect(viewerPage.getByText('Read only.')).toBeVisible();
      await shoot(viewerPage, `settings-org-readonly-${tag}`, true);
      await viewerPage.goto('/settings/members');
      await expect(viewerPage.getByRole('cell', { name: /^Bea Rivera/ })).toBeVisible();
      await shoot(viewerPage, `settings-members-viewer-${tag}`, true);
      await viewerPage.locator('summary[aria-label^="Account"]').click();
      await shoot(viewerPage, `account-menu-viewer-${tag}`);
      await viewer.close();

      // ---- signed out ----
      const anonymous = await newContext(browser, loupe, size, scheme);
      const anon = await anonymous.newPage();
      await anon.goto(`/invite/${liveSecret}`);
      await expect(anon.getByRole('heading', { name: 'Create your account' })).toBeVisible();
      await shoot(anon, `invite-${tag}`, true);
      await anon.goto(`/invite/${usedSecret}`);
      await expect(anon.getByRole('heading', { name: /can’t be used/ })).toBeVisible();
      await shoot(anon, `invite-gone-${tag}`);
      await anon.goto('/invite/not-a-real-secret');
      await expect(anon.getByRole('heading', { name: /doesn’t work/ })).toBeVisible();
      await shoot(anon, `invite-unknown-${tag}`);
      await anon.goto('/no-org');
      await expect(anon.getByRole('heading', { name: 'No organization yet' })).toBeVisible();
      await shoot(anon, `no-org-${tag}`);
      await anonymous.close();
    }
  }
}
