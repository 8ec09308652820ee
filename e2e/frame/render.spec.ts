import { expect, test } from '@playwright/test';
import { FrameDriver } from './driver';
import { startHarness, type Harness } from './harness';

let harness: Harness;
test.beforeAll(async () => {
  harness = await startHarness();
});
test.afterAll(async () => {
  await harness.close();
});

const PAGE = `<!doctype html>
<html lang="en" class="theme-x">
<head>
  <title>Walkthrough</title>
  <style>#styled { color: rgb(255, 0, 0); }</style>
</head>
<body class="artifact" data-kind="walkthrough">
  <h1 id="title">PR walkthrough</h1>
  <p id="out">pending</p>
  <p id="dcl">pending</p>
  <p id="onload">pending</p>
  <p id="styled">red</p>
  <div class="tabs">
    <button id="tab-a" data-tab="a">A</button>
    <button id="tab-b" data-tab="b">B</button>
  </div>
  <section id="panel-a">Panel A</section>
  <section id="panel-b" hidden>Panel B</section>
  <script>
    document.getElementById('out').textContent = 'script ran';
    document.addEventListener('DOMContentLoaded', () => {
      document.getElementById('dcl').textContent = 'dcl fired';
    });
    window.onload = () => { document.getElementById('onload').textContent = 'load fired'; };
  </script>
  <script>
    for (const button of document.querySelectorAll('[data-tab]')) {
      button.addEventListener('click', () => {
        for (const panel of document.querySelectorAll('section')) {
          panel.hidden = panel.id !== 'panel-' + button.dataset.tab;
        }
      });
    }
  </script>
</body>
</html>`;

test('renders a page and runs its inline scripts', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  const rendered = await driver.render(PAGE);
  expect(rendered.scrollHeight).toBeGreaterThan(0);
  expect(rendered.viewportHeight).toBe(600);

  const frame = page.frameLocator('#artifact');
  await expect(frame.locator('#title')).toHaveText('PR walkthrough');
  await expect(frame.locator('#out')).toHaveText('script ran');
  await expect(frame.locator('#dcl')).toHaveText('dcl fired');
  await expect(frame.locator('#onload')).toHaveText('load fired');
  await expect(frame.locator('#styled')).toHaveCSS('color', 'rgb(255, 0, 0)');

  // <html> and <body> attributes were copied onto the live document.
  await expect(frame.locator('html')).toHaveAttribute('lang', 'en');
  await expect(frame.locator('html')).toHaveClass('theme-x');
  await expect(frame.locator('body')).toHaveAttribute('data-kind', 'walkthrough');
  expect(await driver.frame().evaluate(() => document.title)).toBe('Walkthrough');

  // The tab toggle wired up by the page works.
  await expect(frame.locator('#panel-b')).toBeHidden();
  await frame.locator('#tab-b').click();
  await expect(frame.locator('#panel-b')).toBeVisible();
  await expect(frame.locator('#panel-a')).toBeHidden();

  // The bootstrap is still there, exactly once, and the frame never reloaded.
  expect(await driver.frame().evaluate(() => document.querySelectorAll('script[data-loupe-bootstrap]').length)).toBe(1);
  expect(harness.sandboxRequests.filter((r) => r === 'GET /frame').length).toBeGreaterThanOrEqual(1);
  expect(await driver.errors()).toEqual([]);
});

test('a script error is reported and does not break the bootstrap', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  await driver.render('<p id="a">one</p><script>throw new Error("boom from artifact")</script>');
  await expect.poll(async () => (await driver.errors()).join('\n')).toContain('boom from artifact');
  await driver.render('<p id="a">two</p><script>throw new Error("boom from artifact")</script>');
  await expect(page.frameLocator('#artifact').locator('#a')).toHaveText('two');
});

test('links go to the app; fragment links scroll inside the frame', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  await driver.render(`
    <a id="ext" href="https://example.com/docs?q=1">docs</a>
    <a id="rel" href="other.html">relative</a>
    <a id="js" href="javascript:void(document.getElementById('js').dataset.clicked = 'yes')">js</a>
    <a id="frag" href="#far">jump</a>
    <div style="height: 3000px"></div>
    <h2 id="far">Far away</h2>`);
  const frame = page.frameLocator('#artifact');
  await frame.locator('#ext').click();
  await expect
    .poll(async () => (await driver.messages()).filter((m) => m.type === 'open-link'))
    .toEqual([{ loupe: 1, type: 'open-link', href: 'https://example.com/docs?q=1' }]);

  // A link into the sandbox origin itself means nothing outside the frame.
  await frame.locator('#rel').click();
  await frame.locator('#js').click();
  await expect(frame.locator('#js')).toHaveAttribute('data-clicked', 'yes');

  await frame.locator('#frag').click();
  await expect.poll(() => driver.frame().evaluate(() => window.scrollY)).toBeGreaterThan(2000);
  expect((await driver.messages()).filter((m) => m.type === 'open-link')).toHaveLength(1);
  expect(page.url()).toBe(harness.appUrl);
});

test('scrollTo from the app scrolls the frame and scroll is reported', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  await driver.render('<div style="height: 5000px">tall</div>');
  await driver.send({ loupe: 1, type: 'scrollTo', y: 1234 });
  await expect.poll(() => driver.frame().evaluate(() => window.scrollY)).toBe(1234);
  await expect
    .poll(async () => (await driver.messages()).some((m) => m.type === 'scroll' && m.scrollY === 1234))
    .toBe(true);
  const scroll = (await driver.messages()).find((m) => m.type === 'scroll' && m.scrollY === 1234);
  expect(scroll).toMatchObject({ viewportHeight: 600 });

  // Garbage from the app side is ignored, not applied.
  await driver.send({ loupe: 1, type: 'scrollTo', y: -5 });
  await driver.send({ loupe: 1, type: 'render', rev: 'x', html: '<p>bad</p>' });
  await driver.render('<div style="height: 5000px">tall</div><p id="after">ok</p>');
  expect(await driver.frame().evaluate(() => window.scrollY)).toBe(1234);
});

test('forms handled in script get their submit event; nothing is submitted', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  await driver.render(`
    <form id="filter"><input id="q" name="q" required><button id="go">Filter</button></form>
    <form id="calc" onsubmit="document.getElementById('out').textContent = 'calc ' + this.n.value; return false">
      <input id="n" name="n" type="number">
    </form>
    <p id="out">none</p>
    <script>
      document.getElementById('filter').addEventListener('submit', (event) => {
        event.preventDefault();
        const by = event.submitter ? event.submitter.id : 'none';
        document.getElementById('out').textContent = 'filter ' + document.getElementById('q').value + ' by ' + by;
      });
    </script>`);
  const frame = page.frameLocator('#artifact');
  // An invalid form is not submitted (the browser shows its validation message).
  await frame.locator('#go').click();
  await frame.locator('#q').fill('abc');
  await frame.locator('#go').click();
  await expect(frame.locator('#out')).toHaveText('filter abc by go');
  // Enter in a field clicks the default button...
  await frame.locator('#q').fill('xyz');
  await frame.locator('#q').press('Enter');
  await expect(frame.locator('#out')).toHaveText('filter xyz by go');
  // ...or, in a form without one, submits it directly; onsubmit attributes run.
  await frame.locator('#n').fill('42');
  await frame.locator('#n').press('Enter');
  await expect(frame.locator('#out')).toHaveText('calc 42');
  await driver.frame().evaluate(() => {
    (document.getElementById('n') as HTMLInputElement).value = '7';
    (document.getElementById('calc') as HTMLFormElement).requestSubmit();
  });
  await expect(frame.locator('#out')).toHaveText('calc 7');
  expect(harness.sandboxRequests.every((r) => r === 'GET /frame')).toBe(true);
  expect(page.frames()).toHaveLength(2);
});

test('the frame loads without header or policy warnings', async ({ page }) => {
  const warnings: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'warning' || message.type() === 'error') warnings.push(message.text());
  });
  const driver = await FrameDriver.open(page, harness);
  await driver.render(PAGE);
  await expect(page.frameLocator('#artifact').locator('#out')).toHaveText('script ran');
  expect(warnings).toEqual([]);
});
