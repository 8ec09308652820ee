import { joinAsAgent } from '../fixtures/agent-presence';
import { createArtifact, expect, putContent, test } from '../fixtures/server';

const pageHtml = (heading: string, body: string) =>
  `<!doctype html><html><head><title>${heading}</title></head><body><h1 id="heading">${heading}</h1><p id="body">${body}</p></body></html>`;

test.describe('live view', () => {
  test('two reviewers see the page, its updates without reload, and each other', async ({ browser, api, signIn, loupe }) => {
    const id = await createArtifact(api, {
      title: 'Release checklist',
      project: 'loupe',
      session: 'e2e-live',
      kind: 'checklist',
      html: pageHtml('Version one', 'First draft'),
    });

    const contexts = await Promise.all([browser.newContext({ baseURL: loupe.url }), browser.newContext({ baseURL: loupe.url })]);
    try {
      const pages = await Promise.all(
        contexts.map(async (context) => {
          await signIn(context);
          const p = await context.newPage();
          await p.goto(`/a/${id}`);
          return p;
        }),
      );

      for (const p of pages) {
        await expect(p.getByRole('heading', { level: 1, name: 'Release checklist' })).toBeVisible();
        await expect(p.getByText('loupe · e2e-live')).toBeVisible();
        await expect(p.frameLocator('iframe').locator('#heading')).toHaveText('Version one');
        await expect(p.getByRole('status').filter({ hasText: /Live/ })).toBeVisible();
      }

      // Mark each page so a reload would be noticed.
      for (const p of pages) await p.evaluate(() => Object.assign(window, { __noReload: true }));

      await putContent(api, id, pageHtml('Version two', 'Edited by the agent'));

      for (const p of pages) {
        await expect(p.frameLocator('iframe').locator('#heading')).toHaveText('Version two');
        await expect(p.frameLocator('iframe').locator('#body')).toHaveText('Edited by the agent');
        expect(await p.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
      }

      // Each sees two people: itself (marked "you") and the other tab. (The agent that just wrote shows too, for a while.)
      for (const p of pages) {
        const people = p.getByTestId('presence-avatar').and(p.locator('[data-kind="user"]'));
        await expect(people).toHaveCount(2);
        await expect(p.getByRole('img', { name: /\(you\)$/ })).toHaveCount(1);
        await expect(p.getByRole('img', { name: /you, in another tab/ })).toHaveCount(1);
      }

      // When one leaves, the other sees it go.
      await pages[1].close();
      await expect(pages[0].getByTestId('presence-avatar').and(pages[0].locator('[data-kind="user"]'))).toHaveCount(1);
    } finally {
      await Promise.all(contexts.map((context) => context.close()));
    }
  });

  test('an agent in the room shows with an agent badge', async ({ page, api, signIn, loupe }) => {
    const id = await createArtifact(api, { title: 'Agent at work', html: pageHtml('Working', 'on it') });
    await signIn(page);
    await page.goto(`/a/${id}`);
    await expect(page.getByTestId('presence-avatar')).toHaveCount(1);

    const agent = joinAsAgent(loupe, id);
    try {
      const avatar = page.getByRole('img', { name: /\(agent\)$/ });
      await expect(avatar).toBeVisible();
      await expect(avatar).toContainText('agent');
      // The name shows on keyboard focus, not only on hover.
      await avatar.focus();
      await expect(page.getByText(/\(agent\)$/).filter({ visible: true })).toBeVisible();
    } finally {
      agent.leave();
    }
    await expect(page.getByTestId('presence-avatar')).toHaveCount(1);
  });

  test('signing out in another tab stops the live view with a clear message', async ({ context, api, signIn }) => {
    const id = await createArtifact(api, { title: 'Signed out elsewhere', html: pageHtml('Still here', 'for now') });
    await signIn(context);
    const viewer = await context.newPage();
    await viewer.goto(`/a/${id}`);
    await expect(viewer.getByRole('status').filter({ hasText: 'Live' })).toBeVisible();

    const other = await context.newPage();
    await other.goto('/');
    await other.locator('summary[aria-label^="Account"]').click();
    await other.getByRole('button', { name: 'Sign out' }).click();
    await expect(other).toHaveURL(/\/signin/);

    // The server re-checks live sockets every few seconds and closes this one.
    await expect(viewer.getByRole('alert').filter({ hasText: 'signed out' })).toBeVisible({ timeout: 15_000 });
    await expect(viewer.getByRole('link', { name: 'Sign in again' })).toHaveAttribute('href', `/signin?callbackUrl=${encodeURIComponent(`/a/${id}`)}`);
    // The last page stays visible for reference.
    await expect(viewer.frameLocator('iframe').locator('#heading')).toHaveText('Still here');
  });

  test('an unknown artifact is a real 404 with its own message', async ({ page, signIn }) => {
    await signIn(page);
    const response = await page.goto('/a/00000000-0000-4000-8000-000000000000');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'Artifact not found' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Back to artifacts' }).last()).toBeVisible();
  });

  test('a malformed artifact id is a real 404', async ({ page, signIn }) => {
    await signIn(page);
    const response = await page.goto('/a/not-an-id');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'Artifact not found' })).toBeVisible();
  });
});
