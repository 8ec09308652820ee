import { expect, test } from '@playwright/test';
import { FrameDriver, markNodes, marks } from './driver';
import { startHarness, type Harness } from './harness';

let harness: Harness;
test.beforeAll(async () => {
  harness = await startHarness();
});
test.afterAll(async () => {
  await harness.close();
});

const PAGE = `<!DOCTYPE html><html><head><title>t</title></head><body>
<main>
<section id="one"><h2 id="h1">One</h2>
<p id="edit">First version of the paragraph.</p>
<p id="keep">This paragraph never changes.</p>
</section>
<section id="two"><h2>Two</h2>
<div id="host"></div>
<script>
  window.runs = (window.runs || 0) + 1;
  document.getElementById('host').appendChild(Object.assign(document.createElement('div'), { id: 'runtime', textContent: 'built by a script' }));
</script>
</section>
</main>
</body></html>`;

/** A patch replacing `find` (first occurrence) in `text` with `replace`; returns the message and the new text. */
function patchOf(text: string, find: string, replace: string, rev: number, base: number) {
  const at = text.indexOf(find);
  if (at < 0) throw new Error(`not in the page: ${find}`);
  const next = text.slice(0, at) + replace + text.slice(at + find.length);
  const ops = [{ retain: at }, { insert: replace }, { delete: find.length }].filter((op) => !('insert' in op) || op.insert !== '');
  return { message: { loupe: 1, type: 'patch', rev, base, format: 'html', ops, length: next.length }, next };
}

async function openRendered(page: import('@playwright/test').Page): Promise<FrameDriver> {
  const driver = await FrameDriver.open(page, harness);
  const ready = (await driver.messages()).find((m) => m.type === 'ready');
  expect(ready).toMatchObject({ delta: true });
  await driver.send({ loupe: 1, type: 'render', rev: 1, format: 'html', html: PAGE });
  await driver.waitForRendered(1);
  await expect(page.frameLocator('#artifact').locator('#runtime')).toHaveText('built by a script');
  return driver;
}

test('a patch of one paragraph changes that paragraph: other elements keep their nodes, scripts do not run again', async ({ page }) => {
  const driver = await openRendered(page);
  const frame = page.frameLocator('#artifact');
  await markNodes(driver, ['keep', 'h1', 'host', 'runtime', 'one', 'two']);
  let text = PAGE;
  let rev = 1;
  for (const words of ['Second version', 'Third version, longer than the others', 'Fourth']) {
    const { message, next } = patchOf(text, text.match(/<p id="edit">[^<]*/)![0], `<p id="edit">${words}`, rev + 1, rev);
    await driver.send(message);
    await driver.waitForRendered(rev + 1);
    text = next;
    rev += 1;
    await expect(frame.locator('#edit')).toHaveText(words);
  }
  expect(await marks(driver, ['keep', 'h1', 'host', 'runtime', 'one', 'two'])).toEqual(['keep', 'h1', 'host', 'runtime', 'one', 'two']);
  expect(await driver.frame().evaluate(() => (window as unknown as { runs: number }).runs)).toBe(1);
  expect((await driver.messages()).filter((m) => m.type === 'resync')).toEqual([]);
  expect(await driver.errors()).toEqual([]);
});

test('a patch the frame cannot place (a gap, a wrong length) asks for the whole page, and the page is right after it', async ({ page }) => {
  const driver = await openRendered(page);
  const frame = page.frameLocator('#artifact');
  const gap = patchOf(PAGE, 'First version', 'Skipped', 5, 4);
  await driver.send(gap.message);
  await expect.poll(async () => (await driver.messages()).filter((m) => m.type === 'resync')).toEqual([{ loupe: 1, type: 'resync', have: 1 }]);
  const wrong = patchOf(PAGE, 'First version', 'Wrong', 2, 1);
  await driver.send({ ...wrong.message, length: wrong.next.length + 1 });
  await expect.poll(async () => (await driver.messages()).filter((m) => m.type === 'resync').length).toBe(2);
  await expect(frame.locator('#edit')).toHaveText('First version of the paragraph.');
  // The app answers with the whole page at its revision; patches continue from there.
  await driver.send({ loupe: 1, type: 'render', rev: 6, format: 'html', html: gap.next });
  await driver.waitForRendered(6);
  await expect(frame.locator('#edit')).toHaveText('Skipped of the paragraph.');
  const after = patchOf(gap.next, 'Skipped', 'Then patched', 7, 6);
  await driver.send(after.message);
  await driver.waitForRendered(7);
  await expect(frame.locator('#edit')).toHaveText('Then patched of the paragraph.');
});

test('a patch is guarded like a full render: no nested frame, its new script runs once, inside the sandbox', async ({ page }) => {
  const driver = await openRendered(page);
  const frame = page.frameLocator('#artifact');
  const hostile =
    '<p id="added">added</p><iframe id="nested" src="https://example.com/"></iframe><base href="https://example.com/">' +
    '<script>window.addedRuns = (window.addedRuns || 0) + 1; window.parentReachable = (() => { try { return window.parent.document !== null; } catch { return false; } })();</script>';
  // After the page's own script, so this is the page going on (a new program is the next test's).
  const first = patchOf(PAGE, '</script>\n</section>', `</script>\n${hostile}</section>`, 2, 1);
  await driver.send(first.message);
  await driver.waitForRendered(2);
  await expect(frame.locator('#added')).toHaveText('added');
  await expect(frame.locator('#nested')).toHaveCount(0);
  await expect(frame.locator('base')).toHaveCount(0);
  expect(await driver.frame().evaluate(() => (window as unknown as { addedRuns: number }).addedRuns)).toBe(1);
  expect(await driver.frame().evaluate(() => (window as unknown as { parentReachable: boolean }).parentReachable)).toBe(false);
  const second = patchOf(first.next, 'First version', 'Edited', 3, 2);
  await driver.send(second.message);
  await driver.waitForRendered(3);
  await expect(frame.locator('#edit')).toHaveText('Edited of the paragraph.');
  expect(await driver.frame().evaluate(() => (window as unknown as { addedRuns: number }).addedRuns)).toBe(1);
  expect(await driver.frame().evaluate(() => (window as unknown as { runs: number }).runs)).toBe(1);
});

test('a patch that puts a script before the page\'s own is a new program: rebuilt from source, every script runs once more, nothing doubled', async ({ page }) => {
  const driver = await openRendered(page);
  const frame = page.frameLocator('#artifact');
  const early = '<script>window.earlyRuns = (window.earlyRuns || 0) + 1;</script>';
  const first = patchOf(PAGE, '<p id="keep">', `${early}<p id="keep">`, 2, 1);
  await driver.send(first.message);
  await driver.waitForRendered(2);
  expect(await driver.frame().evaluate(() => (window as unknown as { earlyRuns: number }).earlyRuns)).toBe(1);
  // As on a reload: the page's script ran again, on a fresh tree, so what it built is there once.
  expect(await driver.frame().evaluate(() => (window as unknown as { runs: number }).runs)).toBe(2);
  await expect(frame.locator('#runtime')).toHaveCount(1);
  await expect(frame.locator('#edit')).toHaveText('First version of the paragraph.');
});

test('a patch that breaks the markup renders the page whole, as a full parse has it', async ({ page }) => {
  const driver = await openRendered(page);
  const frame = page.frameLocator('#artifact');
  // An unclosed <div> swallows what follows: no safe region, a full render from the patched source.
  const broken = patchOf(PAGE, '<p id="keep">', '<div id="open"><p id="keep">', 2, 1);
  await driver.send(broken.message);
  await driver.waitForRendered(2);
  await expect(frame.locator('#open #keep')).toHaveCount(1);
  expect((await driver.messages()).filter((m) => m.type === 'resync')).toEqual([]);
});

test('keep-place: a paragraph growing above the reader does not move what the reader is looking at', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  const paragraphs = Array.from({ length: 80 }, (_, i) => `<p id="p${i}">Paragraph ${i}</p>`).join('\n');
  const text = `<!DOCTYPE html><html><head></head><body><main>\n${paragraphs}\n</main></body></html>`;
  await driver.send({ loupe: 1, type: 'render', rev: 1, format: 'html', html: text });
  await driver.waitForRendered(1);
  await driver.frame().evaluate(() => document.getElementById('p50')!.scrollIntoView({ block: 'start', behavior: 'instant' }));
  const top = () => driver.frame().evaluate(() => document.getElementById('p50')!.getBoundingClientRect().top);
  const before = await top();
  const grown = patchOf(text, 'Paragraph 10<', `Paragraph 10${'<br>more'.repeat(30)}<`, 2, 1);
  await driver.send(grown.message);
  await driver.waitForRendered(2);
  expect(await driver.frame().evaluate(() => document.querySelectorAll('#p10 br').length)).toBe(30);
  expect(Math.abs((await top()) - before)).toBeLessThan(2);
});
