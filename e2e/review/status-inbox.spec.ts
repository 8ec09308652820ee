import type { Page } from '@playwright/test';
import { ADMIN_EMAIL, createArtifact, expect, signInAs, test } from '../fixtures/server';
import { pushVersion, VERSION_PAGES } from '../versions/pages';
import { addMember, callAs, publishToOrg, startThread, type Account } from './inbox-seed';

/**
 * Review status and the inbox, as two people live them: Admin approves and
 * the header says ready for hand-off; the agent pushes a new version and Bea,
 * watching, sees the approval go stale without reloading; Bea mentions Admin,
 * whose bell counts it at once and whose inbox lists it; opening it marks it
 * read and the count clears.
 */

const BEA: Account = { name: 'Bea Rivera', email: 'bea@loupe.test', password: 'bea has a long password' };
const CY: Account = { name: 'Cy Young', email: 'cy@loupe.test', password: 'cy has a long password' };

const chip = (page: Page) => page.getByTestId('review-status-chip');
const bell = (page: Page) => page.getByTestId('inbox-bell');

test('approve, go stale on a new version, and a mention reaches the inbox live', async ({ api, browser, loupe }) => {
  const id = await createArtifact(api, { title: 'Rollout plan', project: 'platform', html: VERSION_PAGES[0].html });
  expect(await pushVersion(api, id, VERSION_PAGES[0].html, VERSION_PAGES[0].message)).toBe(1);

  const adminContext = await browser.newContext({ baseURL: loupe.url });
  const beaContext = await browser.newContext({ baseURL: loupe.url });
  try {
    await signInAs(adminContext, loupe);
    await publishToOrg(adminContext.request, loupe, id);
    await addMember(adminContext.request, loupe, BEA);
    await signInAs(beaContext, loupe, BEA.email, BEA.password);

    // Admin approves v1 from the header; the status says ready (one approval required by default).
    const admin = await adminContext.newPage();
    await admin.goto(`/a/${id}`);
    await expect(chip(admin)).toHaveText('No reviews yet');
    await expect(bell(admin)).toHaveAccessibleName('Inbox');
    await admin.getByRole('button', { name: 'Review', exact: true }).click();
    const dialog = admin.getByRole('dialog', { name: 'Review this page' });
    await expect(dialog.getByTestId('review-version-note')).toContainText('v1');
    await dialog.getByRole('radio', { name: /^Approve/ }).check();
    await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect(dialog).toBeHidden();
    await expect(chip(admin)).toHaveText('Approved · ready for hand-off');

    // Bea opens it and sees the same.
    const bea = await beaContext.newPage();
    await bea.goto(`/a/${id}`);
    await expect(chip(bea)).toHaveText('Approved · ready for hand-off');

    // The agent pushes v2: Bea's header turns stale, and says whose approval and why, without a reload.
    expect(await pushVersion(api, id, VERSION_PAGES[1].html, VERSION_PAGES[1].message)).toBe(2);
    await expect(chip(bea)).toHaveText('Approval stale');
    await expect(chip(bea)).toHaveAttribute('title', 'Admin approved v1; the page changed since (now v2).');
    await expect(chip(admin)).toHaveText('Approval stale');
    await chip(bea).click();
    const status = bea.getByRole('dialog', { name: 'Review status' });
    await expect(status.getByTestId('reviewer-standing')).toHaveText(/Admin\s*Approved v1 · stale/);
    await expect(status.getByTestId('review-history-entry')).toHaveCount(1);
    await bea.keyboard.press('Escape');
    await expect(status).toBeHidden();
    await expect(chip(bea)).toBeFocused();

    // Bea mentions Admin: Admin's bell counts it live.
    const threadId = await startThread(beaContext.request, loupe, id, `@${ADMIN_EMAIL} can you check the rollback step before we hand this off?`);
    await expect(bell(admin)).toHaveAccessibleName('Inbox, 1 unread');
    await expect(admin.getByTestId('inbox-badge')).toHaveText('1');

    // The inbox lists it; opening it goes to the thread and marks it read.
    await bell(admin).click();
    await expect(admin).toHaveURL(/\/inbox$/);
    const item = admin.getByTestId('inbox-item');
    await expect(item).toHaveCount(1);
    await expect(item).toContainText('Bea Rivera mentioned you in Rollout plan');
    await expect(item).toContainText('can you check the rollback step before we hand this off?');
    await item.click();
    await expect(admin).toHaveURL(new RegExp(`/a/${id}\\?thread=${threadId}$`));
    // The link opens the comments panel on that thread, focused, so the reader can answer at once.
    const linked = admin.getByTestId('review-panel').locator(`[data-thread-id="${threadId}"]`);
    await expect(linked).toHaveAttribute('data-active', 'true');
    await expect(linked).toBeFocused();
    await expect(bell(admin)).toHaveAccessibleName('Inbox');
    await expect(admin.getByTestId('inbox-badge')).toHaveCount(0);

    // Admin answers in the thread; on the inbox, Bea's reply arrives live: listed without a reload, counted, then all marked read.
    await callAs(adminContext.request, loupe, 'POST', `/api/v1/artifacts/${id}/threads/${threadId}/replies`, { text: 'Looking now.' });
    await admin.goto('/inbox');
    await expect(admin.getByRole('heading', { name: 'You’re all caught up' })).toBeVisible();
    await callAs(beaContext.request, loupe, 'POST', `/api/v1/artifacts/${id}/threads/${threadId}/replies`, { text: 'Also: the batch size changed.' });
    await expect(item).toHaveCount(1);
    await expect(item).toContainText('Bea Rivera replied in Rollout plan');
    await expect(bell(admin)).toHaveAccessibleName('Inbox, 1 unread');
    await admin.getByRole('button', { name: 'Mark all read' }).click();
    await expect(bell(admin)).toHaveAccessibleName('Inbox');
    await admin.getByRole('tab', { name: 'All' }).click();
    await expect(admin).toHaveURL(/\/inbox\?filter=all$/);
    await expect(item).toHaveCount(2);

    // A link to a thread that no longer exists says so, in the panel.
    await admin.goto(`/a/${id}?thread=0000000000000000000000`);
    await expect(admin.getByTestId('linked-thread-missing')).toContainText('has been deleted');
    await admin.getByTestId('linked-thread-missing').getByRole('button', { name: 'Dismiss' }).click();
    await expect(admin.getByTestId('linked-thread-missing')).toHaveCount(0);
  } finally {
    await adminContext.close();
    await beaContext.close();
  }
});

test('two approvals required: one counts as partial, and a request for changes blocks, live', async ({ api, browser, loupe }) => {
  const adminContext = await browser.newContext({ baseURL: loupe.url });
  const cyContext = await browser.newContext({ baseURL: loupe.url });
  try {
    await signInAs(adminContext, loupe);
    // The admin sets the requirement in Settings.
    const admin = await adminContext.newPage();
    await admin.goto('/settings');
    const required = admin.getByLabel('Approvals required for hand-off');
    await expect(required).toHaveValue('1');
    await required.fill('2');
    await admin.getByRole('button', { name: 'Save settings' }).click();
    await expect(admin.getByText('Settings saved.')).toBeVisible();
    await admin.reload();
    await expect(required).toHaveValue('2');

    const id = await createArtifact(api, { title: 'Schema change', html: VERSION_PAGES[0].html });
    await pushVersion(api, id, VERSION_PAGES[0].html, 'first');
    await publishToOrg(adminContext.request, loupe, id);
    await addMember(adminContext.request, loupe, CY);
    await signInAs(cyContext, loupe, CY.email, CY.password);

    await admin.goto(`/a/${id}`);
    await admin.getByRole('button', { name: 'Review', exact: true }).click();
    const dialog = admin.getByRole('dialog', { name: 'Review this page' });
    await dialog.getByRole('radio', { name: /^Approve/ }).check();
    await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect(chip(admin)).toHaveText('1 of 2 approvals');

    // Cy asks for changes; a request without words is refused in the form, before the server.
    const cy = await cyContext.newPage();
    await cy.goto(`/a/${id}`);
    await expect(chip(cy)).toHaveText('1 of 2 approvals');
    // From the status dialog on to the review dialog.
    await chip(cy).click();
    await cy.getByRole('dialog', { name: 'Review status' }).getByRole('button', { name: 'Review…' }).click();
    const cyDialog = cy.getByRole('dialog', { name: 'Review this page' });
    await cyDialog.getByRole('radio', { name: /^Request changes/ }).check();
    await cyDialog.getByRole('button', { name: 'Request changes', exact: true }).click();
    const summary = cyDialog.getByRole('textbox', { name: /Summary/ });
    await expect(summary).toBeFocused();
    await expect(summary).toHaveAttribute('aria-invalid', 'true');
    await expect(cyDialog.getByText('Say what needs to change.')).toBeVisible();
    await summary.fill('Backfill in smaller batches.');
    await cyDialog.getByRole('button', { name: 'Request changes', exact: true }).click();
    await expect(cyDialog).toBeHidden();
    await expect(chip(cy)).toHaveText('Changes requested · Cy Young');
    await expect(chip(admin)).toHaveText('Changes requested · Cy Young');
  } finally {
    // Later tests in this worker expect the default.
    await callAs(adminContext.request, loupe, 'PATCH', '/api/v1/org', { requiredApprovals: 1 });
    await adminContext.close();
    await cyContext.close();
  }
});
