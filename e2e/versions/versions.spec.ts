import { createArtifact, expect, test } from '../fixtures/server';
import { pushVersion, VERSION_PAGES } from './pages';

/**
 * Versions end to end: an agent pushes three versions; a reviewer compares
 * v1 → v3 (the change is marked in the source diff and in both rendered
 * frames) and restores v1 from the timeline; someone else watching the live
 * page sees it go back to v1, and their timeline gain v4 "Restored from v1",
 * without reloading.
 */
test('compare, restore, and the live page and timeline follow', async ({ api, browser, baseURL, signIn }) => {
  const id = await createArtifact(api, { title: 'Rollout plan', project: 'platform', kind: 'plan', html: VERSION_PAGES[0].html });
  const numbers: number[] = [];
  for (const version of VERSION_PAGES) numbers.push(await pushVersion(api, id, version.html, version.message));
  expect(numbers).toEqual([1, 2, 3]);

  // Someone watching the live page, history open.
  const watcherContext = await browser.newContext({ baseURL });
  await signIn(watcherContext);
  const watcher = await watcherContext.newPage();
  await watcher.goto(`/a/${id}`);
  await expect(watcher.frameLocator('iframe').getByRole('heading', { name: 'Rollout plan, reviewed' })).toBeVisible();
  await watcher.getByRole('button', { name: /History/ }).click();
  const watcherEntries = watcher.getByTestId('version-entry');
  await expect(watcherEntries).toHaveCount(3);
  await expect(watcherEntries.first()).toContainText('v3');

  // The reviewer compares v1 with v3.
  const reviewerContext = await browser.newContext({ baseURL });
  await signIn(reviewerContext);
  const reviewer = await reviewerContext.newPage();
  const workers: string[] = [];
  const errors: string[] = [];
  reviewer.on('worker', (worker) => workers.push(worker.url()));
  reviewer.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await reviewer.goto(`/a/${id}/compare?from=1&to=3`);
  await expect(reviewer.getByTestId('diff-stats')).toContainText('+3 −2 lines');
  const removed = reviewer.getByTestId('diff-del').filter({ hasText: 'Backfill in batches' });
  const added = reviewer.getByTestId('diff-ins').filter({ hasText: 'Backfill in batches' });
  await expect(removed.locator('mark')).toHaveText('10k');
  await expect(added.locator('mark').first()).toHaveText('2k');
  await expect(reviewer.getByTestId('diff-ins').filter({ hasText: 'Rollback: flip the flag' })).toBeVisible();
  // The diff ran in a Web Worker, and nothing (CSP included) complained.
  expect(workers.length, 'a diff worker started').toBeGreaterThan(0);
  expect(errors).toEqual([]);

  await reviewer.getByRole('tab', { name: 'Rendered' }).click();
  await expect(reviewer).toHaveURL(/mode=rendered/);
  const toFrame = reviewer.frameLocator('[data-testid="rendered-to"] iframe');
  const fromFrame = reviewer.frameLocator('[data-testid="rendered-from"] iframe');
  await expect(toFrame.locator('li[data-loupe-changed="changed"]')).toHaveText('Backfill in batches of 2k rows, paced.');
  await expect(toFrame.locator('li[data-loupe-changed="added"]')).toHaveText('Rollback: flip the flag and drop the new table.');
  await expect(fromFrame.locator('li[data-loupe-changed="changed"]')).toHaveText('Backfill in batches of 10k rows.');
  // Unchanged blocks carry no mark, and the outline is really drawn.
  await expect(toFrame.getByText('Watch p99 latency for a day.')).not.toHaveAttribute('data-loupe-changed', /.*/);
  await expect(toFrame.locator('li[data-loupe-changed="changed"]')).toHaveCSS('outline-style', 'solid');

  // Restore v1 from the timeline.
  await reviewer.goto(`/a/${id}`);
  await expect(reviewer.frameLocator('iframe').getByRole('heading', { name: 'Rollout plan, reviewed' })).toBeVisible();
  await reviewer.getByRole('button', { name: /History/ }).click();
  await reviewer.getByRole('button', { name: 'Restore v1' }).click();
  const dialog = reviewer.getByRole('dialog', { name: 'Restore v1?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Restore v1' }).click();
  await expect(dialog).toBeHidden();
  await expect(reviewer.frameLocator('iframe').getByRole('heading', { name: 'Rollout plan', exact: true })).toBeVisible();

  // The watcher sees the page go back to v1 and the timeline gain v4, live.
  await expect(watcher.frameLocator('iframe').getByRole('heading', { name: 'Rollout plan', exact: true })).toBeVisible();
  await expect(watcher.frameLocator('iframe').getByText('Backfill in batches of 10k rows.')).toBeVisible();
  await expect(watcherEntries).toHaveCount(4);
  await expect(watcherEntries.first()).toContainText('v4');
  await expect(watcherEntries.first()).toContainText('Restored from v1');
  await expect(watcherEntries.first()).toContainText('Current');

  await watcherContext.close();
  await reviewerContext.close();
});

test('an unknown artifact is a real 404 on its version and compare pages; an unknown version is a panel', async ({ api, page, signIn }) => {
  await signIn(page);
  for (const path of ['/a/00000000-0000-4000-8000-000000000000/v/1', '/a/00000000-0000-4000-8000-000000000000/compare?from=1&to=2']) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByRole('heading', { name: 'Artifact not found' })).toBeVisible();
  }
  const id = await createArtifact(api, { title: 'One version', html: VERSION_PAGES[0].html });
  await pushVersion(api, id, VERSION_PAGES[0].html, VERSION_PAGES[0].message);
  await page.goto(`/a/${id}/v/7`);
  await expect(page.getByRole('heading', { name: 'Version not found' })).toBeVisible();
  await expect(page.getByTestId('version-not-found')).toContainText('only v1');
  await page.getByRole('link', { name: 'See v1' }).click();
  await expect(page.getByTestId('version-position')).toHaveText('Viewing v1 of 1');
  await expect(page.frameLocator('iframe').getByRole('heading', { name: 'Rollout plan' })).toBeVisible();
});

test('a 1 MiB page compares far-apart versions, with the edits found and marked', async ({ api, page, signIn }) => {
  const line = (i: number, edit = '') => `<p id="p${i}">Finding ${i}${edit}: ${'the agent looked at this part of the system and wrote it down. '.repeat(3)}</p>`;
  const lines = Array.from({ length: 5000 }, (_, i) => line(i));
  const html = () => `<!doctype html><main>\n${lines.join('\n')}\n</main>`;
  expect(Buffer.byteLength(html())).toBeGreaterThan(1024 * 1024);
  const id = await createArtifact(api, { title: 'Big page', html: html() });
  await pushVersion(api, id, html(), 'baseline');
  // Many versions between the two being compared, each a small edit far from the others.
  for (let v = 1; v <= 5; v++) {
    lines[v * 900] = line(v * 900, ` (revised ${v})`);
    await pushVersion(api, id, html(), `revision ${v}`);
  }
  await signIn(page);
  await page.goto(`/a/${id}/compare?from=1&to=6`);
  await expect(page.getByTestId('diff-stats')).toContainText('+5 −5 lines', { timeout: 30_000 });
  for (let v = 1; v <= 5; v++) {
    await expect(page.getByTestId('diff-ins').filter({ hasText: `Finding ${v * 900} (revised ${v})` }).locator('mark').first()).toContainText(`revised ${v}`);
  }
});

test('stepping between versions swaps the page in place and keeps the reader’s place', async ({ api, page, signIn }) => {
  const paragraphs = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, i) => `<p id="${prefix}${i}">Paragraph ${prefix}${i}: what the agent found.</p>`).join('\n');
  const pageOf = (body: string) =>
    `<!doctype html><html><head><style>body{font:16px/1.5 sans-serif;margin:0;padding:16px}p{margin:0 0 12px}</style></head><body>${body}</body></html>`;
  const first = pageOf(paragraphs('p', 300));
  // v2 adds 40 paragraphs above the one the reader is at.
  const second = pageOf(`${paragraphs('n', 40)}\n${paragraphs('p', 300)}`);
  const id = await createArtifact(api, { title: 'Two versions, long', html: first });
  await pushVersion(api, id, first, 'first');
  await pushVersion(api, id, second, 'second');

  await signIn(page);
  await page.goto(`/a/${id}/v/1`);
  const frame = page.frameLocator('iframe');
  await expect(frame.locator('#p299')).toBeAttached();
  const topOf = (selector: string) => frame.locator(selector).evaluate((el) => el.getBoundingClientRect().top);
  await frame.locator('#p150').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await expect.poll(() => topOf('#p150')).toBeLessThan(1);
  const before = await topOf('#p150');

  await page.getByRole('button', { name: 'Next version, v2' }).click();
  await expect(page.getByTestId('version-position')).toHaveText('Viewing v2 of 2');
  await expect(frame.locator('#n39')).toBeAttached();
  await expect.poll(async () => Math.abs((await topOf('#p150')) - before)).toBeLessThanOrEqual(3);
});
