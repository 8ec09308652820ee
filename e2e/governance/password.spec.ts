import { ADMIN_EMAIL, ADMIN_PASSWORD, expect, signInAs, startLoupe, test, type LoupeProcess } from '../fixtures/server';

/**
 * Changing the password on /profile, in the browser: the other browser's
 * session ends while this one carries on, and guessing the current password
 * is limited, with the wait shown in the form.
 */

const NEW_PASSWORD = 'a brand new long password';

test.describe('changing the password', () => {
  let loupe: LoupeProcess;
  let stop: () => Promise<void>;

  test.beforeAll(async () => {
    // One failed password check per account per minute, so the limit shows after one wrong guess.
    ({ loupe, stop } = await startLoupe({ RATE_LIMIT_SIGNIN_PER_MIN: '1' }));
  });
  test.afterAll(async () => {
    await stop();
  });

  test('signs out the other browser, keeps this one, then limits wrong current passwords with the wait in the form', async ({ browser }) => {
    const here = await browser.newContext({ baseURL: loupe.url });
    const elsewhere = await browser.newContext({ baseURL: loupe.url });
    try {
      await signInAs(here, loupe, ADMIN_EMAIL, ADMIN_PASSWORD);
      await signInAs(elsewhere, loupe, ADMIN_EMAIL, ADMIN_PASSWORD);
      const page = await here.newPage();
      await page.goto('/profile');
      const form = page.locator('form').filter({ has: page.getByLabel('Current password') });

      await form.getByLabel('Current password').fill(ADMIN_PASSWORD);
      await form.getByLabel('New password').fill(NEW_PASSWORD);
      await form.getByRole('button', { name: 'Change password' }).click();
      await expect(form.getByRole('status')).toContainText('Your other sessions were signed out');

      // The other browser is signed out: its next page load goes to sign-in. This one stays.
      const other = await elsewhere.newPage();
      await other.goto('/profile');
      await expect(other).toHaveURL(/\/signin/);
      expect((await here.request.get(`${loupe.url}/api/v1/me`)).status()).toBe(200);

      // A wrong guess is a wrong guess; the next one waits, and the form says for how long.
      await form.getByLabel('Current password').fill('not my password at all');
      await form.getByLabel('New password').fill('yet another long password');
      await form.getByRole('button', { name: 'Change password' }).click();
      await expect(form.getByText('That isn’t your current password.')).toBeVisible();
      await form.getByLabel('Current password').fill('still not my password');
      await form.getByRole('button', { name: 'Change password' }).click();
      await expect(form.getByRole('alert')).toContainText(/Too many password attempts\. Try again in \d+ s\./);
    } finally {
      await here.close();
      await elsewhere.close();
    }
  });
});
