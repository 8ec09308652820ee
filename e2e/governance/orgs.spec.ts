import type { APIRequestContext, Page } from '@playwright/test';
import { createArtifact, expect, test } from '../fixtures/server';

/**
 * Starting an organization, end to end: the admin opens the form from the
 * account menu, creates "Side project" on /profile, and lands in its empty
 * gallery as its owner; the account menu then offers both organizations,
 * and switching back shows the first one's artifacts again.
 */

interface MeBody {
  role: string;
  org: { id: string; name: string } | null;
  orgs: { id: string; name: string; role: string }[];
}

async function meOf(request: APIRequestContext, url: string): Promise<MeBody> {
  const response = await request.get(`${url}/api/v1/me`);
  expect(response.status(), 'GET /api/v1/me').toBe(200);
  return (await response.json()) as MeBody;
}

function accountMenu(page: Page) {
  return page.locator('details').filter({ has: page.locator('summary[aria-label^="Account"]') });
}

async function openAccountMenu(page: Page) {
  const menu = accountMenu(page);
  await menu.locator('summary').click();
  await expect(menu).toHaveAttribute('open', '');
  return menu;
}

test.describe('organizations', () => {
  test('the admin starts a second organization, lands in its empty gallery, and switches back from the account menu', async ({ api, loupe, page, signIn }) => {
    await signIn(page);
    const request = page.context().request;
    const first = await meOf(request, loupe.url);
    const firstOrg = first.org;
    expect(firstOrg, 'the admin starts in an organization').not.toBeNull();
    if (!firstOrg) return;

    // The agent's artifact belongs to the first organization (a draft the admin, its token's owner, sees).
    const title = `First org only ${Date.now()}`;
    await createArtifact(api, { title, html: '<h1>First org</h1>' });
    await page.goto('/');
    await expect(page.getByRole('link', { name: title })).toBeVisible();

    // The account menu leads to the form, with the cursor in the name field.
    const menu = await openAccountMenu(page);
    await menu.getByRole('link', { name: 'New organization…' }).click();
    await expect(page).toHaveURL(/\/profile#new-org$/);
    const nameField = page.getByLabel('Organization name');
    await expect(nameField).toBeFocused();
    await expect(menu).not.toHaveAttribute('open', '');

    // A failed call shows the server's message inline, and the form stays usable.
    await page.route(
      '**/api/v1/orgs',
      (route) => route.fulfill({ status: 429, json: { error: { code: 'rate_limited', message: 'Too many requests; try again in 30 seconds.' } } }),
      { times: 1 },
    );
    await nameField.fill('Side project');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('alert').filter({ hasText: 'Couldn’t create the organization: Too many requests; try again in 30 seconds.' })).toBeVisible();
    expect((await meOf(request, loupe.url)).orgs).toHaveLength(first.orgs.length);

    // Trying again creates it and moves there: the gallery is empty.
    await page.getByRole('button', { name: 'Create organization' }).click();
    await expect(page).toHaveURL(new URL('/', loupe.url).toString());
    await expect(page.getByRole('heading', { name: 'Artifacts', level: 1 })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'No artifacts yet' })).toBeVisible();
    await expect(page.getByRole('link', { name: title })).toHaveCount(0);

    const second = await meOf(request, loupe.url);
    expect(second.org?.name).toBe('Side project');
    expect(second.org?.id).not.toBe(firstOrg.id);
    expect(second.role).toBe('owner');
    expect(second.orgs).toHaveLength(first.orgs.length + 1);
    expect(second.orgs.map((org) => org.id)).toEqual(expect.arrayContaining([firstOrg.id, second.org?.id]));
    const sideProject = second.org;
    if (!sideProject) return;

    // The account menu names both: the current one, and the other to switch to.
    const switcher = await openAccountMenu(page);
    await expect(switcher.getByText('Side project', { exact: true })).toBeVisible();
    const back = switcher.getByRole('button', { name: `Switch to ${firstOrg.name}` });
    await expect(back).toBeVisible();

    // Switching back shows the first organization's artifact again.
    await back.click();
    await expect(page.getByRole('link', { name: title })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'No artifacts yet' })).toHaveCount(0);
    const again = await meOf(request, loupe.url);
    expect(again.org?.id).toBe(firstOrg.id);
    expect(again.role).toBe(first.role);

    // And the menu now offers Side project.
    const menuAgain = await openAccountMenu(page);
    await expect(menuAgain.getByRole('button', { name: 'Switch to Side project' })).toBeVisible();

    // Already on the profile page, "New organization…" still puts the cursor in the field.
    await page.keyboard.press('Escape');
    await page.goto('/profile');
    await expect(page.getByRole('listitem').filter({ hasText: 'Side project' })).toBeVisible();
    const onProfile = await openAccountMenu(page);
    await onProfile.getByRole('link', { name: 'New organization…' }).click();
    await expect(page).toHaveURL(/\/profile#new-org$/);
    await expect(page.getByLabel('Organization name')).toBeFocused();
  });
});
