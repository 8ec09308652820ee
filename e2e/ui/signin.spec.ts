import { ADMIN_EMAIL, ADMIN_PASSWORD, expect, test } from '../fixtures/server';

test.describe('sign-in form', () => {
  test('a wrong password shows an error; the right one lands on the gallery', async ({ page }) => {
    // Signed out, the gallery sends us to sign in and remembers where we were going.
    await page.goto('/');
    await expect(page).toHaveURL(/\/signin\?callbackUrl=%2F$/);
    await expect(page.getByRole('heading', { name: 'Sign in to Loupe' })).toBeVisible();

    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect(page.getByRole('alert').filter({ hasText: 'don’t match an account' })).toBeVisible();
    await expect(page).toHaveURL(/\/signin/);
    // The email is kept, the password field is ready for another try.
    await expect(page.getByLabel('Email')).toHaveValue(ADMIN_EMAIL);
    await expect(page.getByLabel('Password')).toBeFocused();

    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { name: 'Artifacts', level: 1 })).toBeVisible();
    await expect(page.locator('summary[aria-label^="Account"]')).toBeVisible();
  });

  test('signing out ends the session', async ({ page, signIn }) => {
    await signIn(page);
    await page.goto('/');
    await page.locator('summary[aria-label^="Account"]').click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/signin/);
    await page.goto('/');
    await expect(page).toHaveURL(/\/signin\?callbackUrl=/);
  });
});
