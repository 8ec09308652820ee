import type { Page } from '@playwright/test';
import { apiFor, createArtifact, expect, signInAs, test } from '../fixtures/server';

/**
 * The live header on a phone: every control on screen, the secondary
 * actions (History, Review, Share, the admin's legal hold and export) in
 * one "More" menu that works from the keyboard; on a wide screen the same
 * actions are buttons and there is no "More".
 */

const PHONE = { width: 390, height: 844 };
const WIDE = { width: 1400, height: 900 };
const PAGE_HTML = '<!doctype html><html><body><h1>Incident timeline</h1><p>What the agent found.</p></body></html>';
const MENU_ITEMS = ['History', 'Review…', 'Share…', 'Legal hold', 'Export (.zip)'];

async function openLiveView(page: Page, id: string): Promise<void> {
  await page.goto(`/a/${id}`);
  await expect(page.frameLocator('iframe').getByRole('heading', { name: 'Incident timeline' })).toBeVisible();
  // The actions arrive with the artifact's access: wait for the access chip.
  await expect(page.getByTestId('access-chip')).toHaveText('Organization');
}

test.describe('live header on a phone', () => {
  let id = '';

  test.beforeAll(async ({ loupe, browser }) => {
    id = await createArtifact(apiFor(loupe), { title: 'Incident 2025-11-21 timeline: the payments outage', project: 'platform', session: 'inc-311', html: PAGE_HTML });
    // Published, so the admin gets Share (a draft would offer Publish).
    const context = await browser.newContext({ baseURL: loupe.url });
    await signInAs(context, loupe);
    const published = await context.request.post(`${loupe.url}/api/v1/artifacts/${id}/publish`, { data: { visibility: 'org' }, headers: { origin: loupe.url } });
    expect(published.status(), await published.text()).toBeLessThan(300);
    await context.close();
  });

  test('nothing is clipped; More opens from the keyboard, lists the actions, and Escape, Tab and a click outside close it', async ({ page, signIn }) => {
    await page.setViewportSize(PHONE);
    await signIn(page);
    await openLiveView(page, id);
    const more = page.getByRole('button', { name: 'More', exact: true });
    await expect(more).toBeVisible();

    // Every control the header shows lies inside the screen, and the page does not scroll sideways.
    const outside = await page.locator('header').evaluate((header) => {
      const controls = header.querySelectorAll<HTMLElement>('button, a, summary, [tabindex]');
      return Array.from(controls)
        .filter((control) => control.checkVisibility())
        .map((control) => ({ name: control.getAttribute('aria-label') ?? control.textContent ?? '', box: control.getBoundingClientRect() }))
        .filter(({ box }) => box.left < 0 || box.right > window.innerWidth)
        .map(({ name, box }) => `${name.trim()} (${Math.round(box.left)}–${Math.round(box.right)})`);
    });
    expect(outside).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);

    // What stays out: the title, the live status, who is here, comments, inbox and account.
    await expect(page.getByRole('heading', { level: 1, name: /Incident 2025-11-21/ })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: /Live/ })).toBeVisible();
    await expect(page.getByTestId('presence-avatar').first()).toBeVisible();
    await expect(page.getByTestId('comments-toggle')).toBeVisible();
    await expect(page.getByRole('link', { name: /^Inbox/ })).toBeVisible();
    // The folded buttons are gone for everyone, not only from sight.
    await expect(page.getByRole('button', { name: 'Share' })).toHaveCount(0);
    await expect(page.getByTestId('history-toggle')).toBeHidden();

    // Keyboard: Enter opens it on its first item; arrows, Home and End move; Escape closes and focus returns.
    await more.focus();
    await page.keyboard.press('Enter');
    const menu = page.getByRole('menu', { name: 'More' });
    await expect(menu).toBeVisible();
    await expect(more).toHaveAttribute('aria-expanded', 'true');
    const items = menu.getByRole('menuitem').or(menu.getByRole('menuitemcheckbox'));
    await expect(items).toHaveCount(MENU_ITEMS.length);
    await expect(items).toContainText(MENU_ITEMS);
    await expect(menu.getByRole('menuitemcheckbox', { name: 'History' })).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(menu.getByRole('menuitem', { name: 'Review…' })).toBeFocused();
    await page.keyboard.press('End');
    await expect(menu.getByRole('menuitem', { name: 'Export (.zip)' })).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(menu.getByRole('menuitemcheckbox', { name: 'History' })).toBeFocused();
    await page.keyboard.press('ArrowUp');
    await expect(menu.getByRole('menuitem', { name: 'Export (.zip)' })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(menu).toBeHidden();
    await expect(more).toBeFocused();
    await expect(more).toHaveAttribute('aria-expanded', 'false');

    // ArrowUp on the button opens it on its last item; Tab leaves the menu for what follows the button.
    const focusedControl = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '');
    await page.keyboard.press('Tab');
    const afterMore = await focusedControl();
    await more.focus();
    await page.keyboard.press('ArrowUp');
    await expect(menu.getByRole('menuitem', { name: 'Export (.zip)' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(menu).toBeHidden();
    await expect(more).not.toBeFocused();
    expect(await focusedControl()).toBe(afterMore);

    // A click elsewhere closes it.
    await more.click();
    await expect(menu).toBeVisible();
    await page.getByRole('heading', { level: 1 }).click();
    await expect(menu).toBeHidden();
  });

  test('Share from the menu opens the access dialog; History opens the panel; focus comes back to More', async ({ page, signIn }) => {
    await page.setViewportSize(PHONE);
    await signIn(page);
    await openLiveView(page, id);
    const more = page.getByRole('button', { name: 'More', exact: true });
    const menu = page.getByRole('menu', { name: 'More' });

    await more.focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('s');
    await expect(menu.getByRole('menuitem', { name: 'Share…' })).toBeFocused();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Who can see this' });
    await expect(dialog).toBeVisible();
    await expect(menu).toBeHidden();
    // Focus is in the dialog (its first choice), and goes back to More when it closes.
    await expect(dialog.getByRole('radio', { checked: true })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(more).toBeFocused();

    await page.keyboard.press('Enter');
    await menu.getByRole('menuitemcheckbox', { name: 'History' }).click();
    const panel = page.getByTestId('versions-panel');
    await expect(panel).toBeVisible();
    await expect(panel.getByRole('heading', { name: 'Versions' })).toBeFocused();
    await panel.getByRole('button', { name: 'Close history' }).click();
    await expect(panel).toBeHidden();
    await expect(more).toBeFocused();
  });

  test('on a wide screen the actions are buttons and there is no More', async ({ page, signIn }) => {
    await page.setViewportSize(WIDE);
    await signIn(page);
    await openLiveView(page, id);
    for (const name of ['History', 'Review', 'Share']) await expect(page.getByRole('button', { name, exact: true })).toBeVisible();
    await expect(page.getByTestId('header-more')).toBeHidden();
    await expect(page.getByRole('button', { name: 'More', exact: true })).toHaveCount(0);
    // The admin's own menu (legal hold, export) is a menu too.
    await page.getByRole('button', { name: 'More actions' }).click();
    await expect(page.getByRole('menu', { name: 'More actions' }).getByRole('menuitemcheckbox', { name: 'Legal hold' })).toBeVisible();
  });
});
