import { expect, test } from '../fixtures/server';

test('the theme toggle cycles System → Light → Dark and survives a reload', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/signin');
  const html = page.locator('html');
  const toggle = page.getByRole('button', { name: /^Theme:/ });
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

  await expect(toggle).toHaveAccessibleName('Theme: System. Switch to Light.');
  await expect(html).not.toHaveAttribute('data-theme');
  const lightBackground = await background();

  await toggle.click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await toggle.click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect.poll(background).not.toBe(lightBackground);

  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByRole('button', { name: /^Theme:/ })).toHaveAccessibleName('Theme: Dark. Switch to System.');

  await page.getByRole('button', { name: /^Theme:/ }).click();
  await expect(html).not.toHaveAttribute('data-theme');
  await expect.poll(background).toBe(lightBackground);
});

test('with the system in dark, System is dark and Light is light: one palette serves both', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/signin');
  const colours = () =>
    page.evaluate(() => ({ background: getComputedStyle(document.body).backgroundColor, text: getComputedStyle(document.body).color }));
  const light = await colours();

  await page.emulateMedia({ colorScheme: 'dark' });
  await expect.poll(colours).not.toEqual(light);
  const dark = await colours();

  const toggle = page.getByRole('button', { name: /^Theme:/ });
  await toggle.click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await expect.poll(colours).toEqual(light);
  await toggle.click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect.poll(colours).toEqual(dark);
  // The explicit choice holds when the system goes light again.
  await page.emulateMedia({ colorScheme: 'light' });
  await expect.poll(colours).toEqual(dark);
});
