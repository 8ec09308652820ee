import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { APIRequestContext } from '@playwright/test';
import { expect, signInAs, startLoupe, test, type LoupeProcess } from '../fixtures/server';

/**
 * An invitation made for one address, opened by someone signed in as
 * another: the page says so (naming no address beyond the invitation's own
 * "For" line), offers no way to join, and "Sign out and switch account"
 * brings them back to the link signed out, with the invited address in the
 * account form. Shot wide and narrow, light and dark.
 */
const DIR = process.env.SCREENSHOT_DIR ?? 'test-results/screenshots';
const VIEWPORTS = { wide: { width: 1440, height: 900 }, narrow: { width: 390, height: 844 } } as const;
const PASSWORD = 'a long enough password';

/** Cookie-authenticated writes need the app's Origin. */
async function send(request: APIRequestContext, loupe: LoupeProcess, method: 'POST' | 'DELETE', path: string, data?: unknown) {
  const response = await request.fetch(loupe.url + path, { method, data, headers: { origin: loupe.url } });
  expect(response.status(), `${method} ${path}: ${await response.text()}`).toBeLessThan(300);
  return response.status() === 204 ? null : ((await response.json()) as unknown);
}

const secretOf = (url: string) => new URL(url).pathname.split('/').pop() ?? '';

test('an invitation for another address cannot be joined, and offers to switch accounts', async ({ browser }) => {
  test.setTimeout(240_000);
  mkdirSync(DIR, { recursive: true });
  const { loupe, stop } = await startLoupe();
  try {
    const admin = await browser.newContext({ baseURL: loupe.url });
    await signInAs(admin, loupe);
    // Someone with an account and an org of their own (they joined by an open link, then the admin removed them).
    const open = (await send(admin.request, loupe, 'POST', '/api/v1/org/invitations', { role: 'member' })) as { url: string };
    const joined = await fetch(`${loupe.url}/api/v1/invitations/${secretOf(open.url)}/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ivan Intruder', email: 'ivan@loupe.test', password: PASSWORD }),
    });
    expect(joined.status).toBe(201);
    const ivan = await browser.newContext({ baseURL: loupe.url });
    await signInAs(ivan, loupe, 'ivan@loupe.test', PASSWORD);
    await send(ivan.request, loupe, 'POST', '/api/v1/orgs', { name: 'Ivan’s workshop' });
    const members = (await (await admin.request.get(`${loupe.url}/api/v1/org/members`)).json()) as { items: Array<{ userId: string; email: string }> };
    await send(admin.request, loupe, 'DELETE', `/api/v1/org/members/${members.items.find((m) => m.email === 'ivan@loupe.test')!.userId}`);
    await ivan.close();

    // The invitation: admin, for Ada's address.
    const forAda = (await send(admin.request, loupe, 'POST', '/api/v1/org/invitations', { role: 'admin', email: 'ada@loupe.test' })) as { url: string };
    await admin.close();

    for (const size of ['wide', 'narrow'] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        const context = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORTS[size], colorScheme: scheme, reducedMotion: 'reduce' });
        await signInAs(context, loupe, 'ivan@loupe.test', PASSWORD);
        const page = await context.newPage();
        await page.goto(forAda.url);
        await expect(page.getByRole('heading', { level: 1 })).toContainText('Join');
        const alert = page.getByRole('alert').filter({ hasText: 'invitation' });
        await expect(alert).toContainText('This invitation was sent to a different email address');
        // The refusal itself names nobody; the address shows only where the invitation already showed it.
        await expect(alert).not.toContainText('ada@loupe.test');
        await expect(page.getByText('Signed in as')).toContainText('ivan@loupe.test');
        await expect(page.getByRole('button', { name: /^Join / })).toHaveCount(0);
        await page.screenshot({ path: join(DIR, `invite-wrong-account-${size}-${scheme}.png`), fullPage: true });

        // The server refuses the same, whatever the page shows.
        const forced = await context.request.post(`${loupe.url}/api/v1/invitations/${secretOf(forAda.url)}/accept`, { headers: { origin: loupe.url } });
        expect(forced.status()).toBe(403);

        if (size === 'wide' && scheme === 'light') {
          await page.getByRole('button', { name: 'Sign out and switch account' }).click();
          await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible();
          await expect(page).toHaveURL(forAda.url);
          await expect(page.getByLabel('Email')).toHaveValue('ada@loupe.test');
          expect((await context.request.get(`${loupe.url}/api/v1/me`)).status()).toBe(401);
          await page.screenshot({ path: join(DIR, `invite-after-switch-${size}-${scheme}.png`), fullPage: true });
        }
        await context.close();
      }
    }
  } finally {
    await stop();
  }
});
