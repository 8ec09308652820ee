import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { createArtifact, expect, test, type ApiCall } from '../fixtures/server';

/**
 * Publication and the audit log, end to end in the real app: an agent's
 * artifact starts as its user's draft, the admin publishes it through the
 * dialog, and the admin's /audit shows (and exports) what happened. Names
 * people typed are shown as text, never as markup.
 */

const HOSTILE_NAME = '<img src=x onerror=alert(1)>';

async function artifactStatus(api: ApiCall, id: string): Promise<string> {
  const response = await api(`/api/v1/artifacts/${id}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { status: string }).status;
}

/** The audit actions of the rows currently shown for one artifact (rows link to it). */
function actionsShownFor(page: Page, id: string): Promise<string[]> {
  return page
    .getByTestId('audit-row')
    .filter({ has: page.locator(`a[href="/a/${id}"]`) })
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action') ?? ''));
}

test.describe('publication and audit', () => {
  test('an agent draft is published by the admin, and the audit log records, filters and exports it', async ({ api, page, signIn }) => {
    const title = 'Q3 capacity review';
    const id = await createArtifact(api, {
      title,
      project: 'platform',
      session: 'e2e-governance',
      kind: 'report',
      html: '<!doctype html><html><body><h1 id="heading">Capacity review</h1></body></html>',
    });

    // The agent's artifact starts as a draft of the token's user (the admin).
    expect(await artifactStatus(api, id)).toBe('draft');

    await signIn(page);
    await page.goto(`/a/${id}`);
    await expect(page.frameLocator('iframe').locator('#heading')).toHaveText('Capacity review');
    await expect(page.getByTestId('access-chip')).toHaveText('Draft');
    await expect(page.getByText('Only you can see this draft')).toBeVisible();

    // Publish to the whole organization through the dialog.
    await page.getByRole('button', { name: 'Publish' }).click();
    const dialog = page.getByRole('dialog', { name: 'Publish this draft' });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('radio', { name: /^Everyone in / }).check();
    await dialog.getByRole('button', { name: 'Publish' }).click();
    await expect(dialog).toBeHidden();

    await expect(page.getByTestId('access-chip')).toHaveText('Organization');
    await expect(page.getByRole('button', { name: 'Publish' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Share' })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: /^Published to / })).toHaveCount(1);
    await expect.poll(() => artifactStatus(api, id)).toBe('published');

    // The audit log has the create (by the agent), the view and the publish (by the admin).
    await page.goto('/audit');
    await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
    await expect(page.getByTestId('chain-badge')).toContainText(/Chain verified · \d+ entr/);
    await expect
      .poll(async () => (await actionsShownFor(page, id)).sort())
      .toEqual(expect.arrayContaining(['artifact.create', 'artifact.publish', 'artifact.view']));
    const publishRow = page.getByTestId('audit-row').filter({ has: page.locator(`a[href="/a/${id}"]`) }).and(page.locator('[data-action="artifact.publish"]'));
    await expect(publishRow).toHaveCount(1);
    await expect(publishRow).toContainText('published');
    await expect(publishRow).toContainText(title);
    await expect(publishRow).toContainText('to organization');
    const createRow = page.getByTestId('audit-row').filter({ has: page.locator(`a[href="/a/${id}"]`) }).and(page.locator('[data-action="artifact.create"]'));
    await expect(createRow).toContainText('agent');

    // Narrow to this artifact (in the URL), then export it as CSV.
    await page.getByLabel('Artifact ID').fill(id);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(new RegExp(`[?&]artifact=${id}`));
    await expect.poll(async () => new Set(await actionsShownFor(page, id)).size).toBeGreaterThanOrEqual(3);
    const artifactRows = await page.getByTestId('audit-row').count();
    expect(await actionsShownFor(page, id)).toHaveLength(artifactRows);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[0]).toContain('action');
    const rows = lines.slice(1);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) expect(row).toContain(id);
    for (const action of ['artifact.create', 'artifact.view', 'artifact.publish']) {
      expect(rows.some((row) => row.includes(`"${action}"`))).toBe(true);
    }

    // The action filter narrows to the publish row.
    await page.getByLabel('Action').selectOption('artifact.publish');
    await expect(page).toHaveURL(/[?&]action=artifact\.publish/);
    await expect(page.getByTestId('audit-row')).toHaveCount(1);
    await expect(page.getByTestId('audit-row')).toHaveAttribute('data-action', 'artifact.publish');
    await expect(page.getByTestId('audit-row')).toContainText(title);
  });

  test('a display name written as markup is shown as text in the audit log', async ({ api, page, signIn, loupe }) => {
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const id = await createArtifact(api, { title: 'Renamed viewer check', project: 'platform', session: 'e2e-governance', kind: 'report' });

    await signIn(page);
    const original = ((await (await page.request.get(`${loupe.url}/api/v1/me`)).json()) as { user: { name: string } }).user.name;
    const rename = (name: string) =>
      page.request.patch(`${loupe.url}/api/v1/me`, { data: { name }, headers: { origin: loupe.url } });
    const renamed = await rename(HOSTILE_NAME);
    expect(renamed.status(), await renamed.text()).toBe(200);
    try {
      // Opening the artifact records a view under the new name.
      await page.goto(`/a/${id}`);
      await expect(page.getByTestId('access-chip')).toHaveText('Draft');

      await page.goto(`/audit?artifact=${id}&action=artifact.view`);
      const row = page.getByTestId('audit-row').first();
      await expect(row).toBeVisible();
      await expect(page.getByTestId('audit-row').filter({ hasText: HOSTILE_NAME })).not.toHaveCount(0);
      await expect(row.getByText(HOSTILE_NAME, { exact: true })).toBeVisible();

      // Rendered as text: no element came of it, and nothing ran.
      await expect(page.locator('img[src="x"]')).toHaveCount(0);
      expect(dialogs).toEqual([]);
    } finally {
      const restored = await rename(original);
      expect(restored.status()).toBe(200);
    }
  });
});
