import { createArtifact, expect, test } from '../fixtures/server';
import { startTripwire, type Tripwire } from '../fixtures/tripwire';

/**
 * Links in an artifact open in a new tab only when a person clicks them: a
 * script's `.click()` on a link gets no user activation, so the app refuses
 * to open anything for it.
 */
let tripwire: Tripwire;
test.beforeEach(async () => {
  tripwire = await startTripwire();
});
test.afterEach(async () => {
  await tripwire.close();
});

test('a scripted link click opens nothing; a real click opens the link in a new tab', async ({ page, api, signIn }) => {
  await signIn(page);
  const html = `<!doctype html><html><body>
    <a id="real" href="${tripwire.origin}/real">Real link</a>
    <a id="scripted" href="${tripwire.origin}/scripted">Scripted link</a>
    <p id="state">waiting</p>
    <script>
      document.getElementById('scripted').click();
      document.getElementById('state').textContent = 'clicked by script';
      console.log('scripted click done');
    </script>
  </body></html>`;
  const id = await createArtifact(api, { title: 'Links', html });
  const popups: string[] = [];
  page.context().on('page', (opened) => popups.push(opened.url()));
  // Wait without evaluating anything in the page: Playwright's evaluations count as user
  // gestures and would hand the artifact's script the activation it must not have.
  const scripted = page.waitForEvent('console', (message) => message.text() === 'scripted click done');
  await page.goto(`/a/${id}`);
  await scripted;
  const quietUntil = Date.now() + 1_500;
  await expect
    .poll(() => (popups.length === 0 ? Date.now() >= quietUntil : 'a tab opened'), { intervals: [100], timeout: 5_000 })
    .toBe(true);
  const frame = page.frameLocator('main iframe');
  const [popup] = await Promise.all([page.context().waitForEvent('page'), frame.locator('#real').click()]);
  await expect.poll(() => popup.url()).toBe(`${tripwire.origin}/real`);
  expect(popups).toEqual([`${tripwire.origin}/real`]);
  expect(tripwire.requests().filter((r) => r.includes('/scripted'))).toEqual([]);
  expect(page.url()).toContain(`/a/${id}`);
});
