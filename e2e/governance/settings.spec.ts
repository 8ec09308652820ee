import type { APIRequestContext } from '@playwright/test';
import { expect, signInAs, test } from '../fixtures/server';

/**
 * The governance settings pages, end to end: an admin invites someone from
 * /settings/members, the invitee creates their account from the link and
 * lands in the gallery, the admin changes their role; an agent token made
 * in /settings/tokens is shown once, works, and stops working when revoked.
 */

interface MeBody {
  kind: string;
  role: string;
  org: { id: string; name: string } | null;
  user: { name: string };
}

async function meOf(request: APIRequestContext, url: string): Promise<MeBody> {
  const response = await request.get(`${url}/api/v1/me`);
  expect(response.status(), 'GET /api/v1/me').toBe(200);
  return (await response.json()) as MeBody;
}

async function meWithToken(url: string, token: string): Promise<Response> {
  return fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
}

test.describe('settings', () => {
  test('an invitation made in the UI lets a new person join; the admin then makes them a viewer', async ({ browser, loupe, page, signIn }) => {
    await signIn(page);
    const adminMe = await meOf(page.context().request, loupe.url);

    // The admin creates a member invitation for anyone with the link.
    await page.goto('/settings/members');
    await expect(page.getByRole('heading', { name: 'Invitations', exact: true })).toBeVisible();
    await page.getByLabel('Role', { exact: true }).selectOption('member');
    await page.getByLabel('Expires after').selectOption('3');
    await page.getByRole('button', { name: 'Create invitation link' }).click();
    const link = page.getByRole('textbox', { name: 'Invitation link' });
    await expect(link).toBeVisible();
    const url = await link.inputValue();
    expect(url).toMatch(/\/invite\/[A-Za-z0-9_-]+$/);
    await expect(page.getByText('it is shown only once')).toBeVisible();
    // It is pending until used.
    await expect(page.getByRole('button', { name: /^Revoke the invitation for anyone with the link/ })).toBeVisible();

    // Someone who is not signed in opens the link and creates an account.
    const invitee = await browser.newContext({ baseURL: loupe.url });
    try {
      const guest = await invitee.newPage();
      await guest.goto(url);
      await expect(guest).toHaveURL(/\/invite\//);
      await expect(guest.getByRole('heading', { name: `Join ${adminMe.org?.name} on Loupe` })).toBeVisible();
      await expect(guest.getByRole('link', { name: 'Sign in' })).toHaveAttribute('href', `/signin?callbackUrl=${encodeURIComponent(new URL(url).pathname)}`);
      await guest.getByLabel('Your name').fill('Grace Hopper');
      await guest.getByLabel('Email').fill('grace@loupe.test');
      await guest.getByLabel('Password').fill('a long enough password');
      await guest.getByRole('button', { name: 'Create account and join' }).click();

      // Signed in and in the gallery, as a member of the admin's organization.
      await expect(guest).toHaveURL(new URL('/', loupe.url).toString());
      await expect(guest.getByRole('heading', { name: 'Artifacts', level: 1 })).toBeVisible();
      const joined = await meOf(invitee.request, loupe.url);
      expect(joined.user.name).toBe('Grace Hopper');
      expect(joined.org?.id).toBe(adminMe.org?.id);
      expect(joined.role).toBe('member');

      // The link worked once: it is no longer pending, and opening it again says so.
      await guest.goto(url);
      await expect(guest.getByRole('heading', { name: 'This invitation can’t be used any more' })).toBeVisible();

      // The admin makes the new member a viewer.
      await page.reload();
      const roleSelect = page.getByRole('combobox', { name: 'Role of Grace Hopper' });
      await expect(roleSelect).toHaveValue('member');
      await roleSelect.selectOption('viewer');
      await expect(page.getByRole('status').filter({ hasText: 'Grace Hopper is now a viewer.' })).toBeAttached();
      await expect.poll(async () => (await meOf(invitee.request, loupe.url)).role).toBe('viewer');
      await page.reload();
      await expect(page.getByRole('combobox', { name: 'Role of Grace Hopper' })).toHaveValue('viewer');
    } finally {
      await invitee.close();
    }
  });

  test('a member leaves from the members page, lands on the no-organization page, and a new link brings them back', async ({ browser, loupe, page, signIn }) => {
    await signIn(page);
    const created = await page.context().request.post(`${loupe.url}/api/v1/org/invitations`, {
      headers: { origin: loupe.url },
      data: { role: 'member', email: 'leaver@loupe.test' },
    });
    expect(created.status(), await created.text()).toBe(201);
    const secret = new URL(((await created.json()) as { url: string }).url).pathname.split('/').pop();
    const accepted = await fetch(`${loupe.url}/api/v1/invitations/${secret}/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Lee Leaver', email: 'leaver@loupe.test', password: 'leaving for good now' }),
    });
    expect(accepted.status).toBe(201);

    const leaver = await browser.newContext({ baseURL: loupe.url });
    try {
      await signInAs(leaver, loupe, 'leaver@loupe.test', 'leaving for good now');
      const member = await leaver.newPage();
      await member.goto('/settings/members');
      // A member sees no role controls and no invitations, only their own way out.
      await expect(member.getByRole('row').filter({ hasText: 'Lee Leaver' })).toBeVisible();
      await expect(member.getByRole('combobox')).toHaveCount(0);
      await expect(member.getByRole('heading', { name: 'Invitations', exact: true })).toHaveCount(0);
      await member.getByRole('button', { name: 'Leave organization' }).click();
      const dialog = member.getByRole('alertdialog', { name: /^Leave / });
      await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
      await dialog.getByRole('button', { name: 'Leave organization' }).click();
      await expect(member).toHaveURL(/\/no-org$/);
      await expect(member.getByRole('heading', { name: 'No organization yet' })).toBeVisible();
      // Any app page now sends them back here.
      await member.goto('/settings');
      await expect(member).toHaveURL(/\/no-org$/);
      await page.goto('/settings/members');
      await expect(page.getByRole('row').filter({ hasText: 'Lee Leaver' })).toHaveCount(0);

      // A new link brings them back: signed in without an organization, they just join.
      const again = await page.context().request.post(`${loupe.url}/api/v1/org/invitations`, {
        headers: { origin: loupe.url },
        data: { role: 'viewer' },
      });
      expect(again.status(), await again.text()).toBe(201);
      await member.goto(((await again.json()) as { url: string }).url);
      await expect(member.getByText('Signed in as Lee Leaver')).toBeVisible();
      await member.getByRole('button', { name: /^Join / }).click();
      await expect(member.getByRole('heading', { name: 'Artifacts', level: 1 })).toBeVisible();
      await expect.poll(async () => (await meOf(leaver.request, loupe.url)).role).toBe('viewer');
    } finally {
      await leaver.close();
    }
  });

  test('an agent token made in the UI is shown once, works, and stops working when revoked', async ({ loupe, page, signIn }) => {
    await signIn(page);
    await page.goto('/settings/tokens');
    await page.getByLabel('Name').fill('e2e release agent');
    await expect(page.getByLabel('Publish and write artifacts')).toBeChecked();
    await page.getByLabel('Read and reply to comments').check();
    await page.getByLabel('Expires after').selectOption('30');
    await page.getByRole('button', { name: 'Create token' }).click();

    const field = page.getByRole('textbox', { name: 'New agent token' });
    await expect(field).toBeVisible();
    const token = await field.inputValue();
    expect(token).toMatch(/^loupe_[A-Za-z0-9_-]{20,}$/);
    await expect(page.getByText('you won’t see it again')).toBeVisible();

    // It works as the admin, as an agent.
    const works = await meWithToken(loupe.url, token);
    expect(works.status).toBe(200);
    expect(((await works.json()) as MeBody).kind).toBe('agent');

    // Shown once: after "Done" and a reload the secret is nowhere on the page; the token is listed.
    await page.getByRole('button', { name: 'Done, I’ve saved it' }).click();
    await expect(field).toBeHidden();
    await page.reload();
    const row = page.getByRole('row').filter({ hasText: 'e2e release agent' });
    await expect(row).toBeVisible();
    await expect(row.getByText('Read and reply to comments')).toBeVisible();
    expect(await page.content()).not.toContain(token);

    // Revoking it in the UI makes the same call 401.
    await row.getByRole('button', { name: 'Revoke e2e release agent' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Revoke “e2e release agent”?' });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await expect(dialog).toBeHidden();
    await expect(row.getByText('Revoked')).toBeVisible();
    await expect.poll(async () => (await meWithToken(loupe.url, token)).status).toBe(401);
  });
});
