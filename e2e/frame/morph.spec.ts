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

/** Page source; `para` is the paragraph the second revision edits. */
function artifact(para: string): string {
  return `<!doctype html><html><head>
<style id="theme">.note { color: rgb(0, 0, 255); }</style>
</head><body>
<h1 id="title">Incident timeline</h1>
<p id="keep">This paragraph never changes.</p>
<p id="edit" class="note">${para}</p>
<div id="host"></div>
<ul id="tabs"><li id="t1">one</li><li id="t2">two</li></ul>
<script>
  window.runs = (window.runs || 0) + 1;
  const made = document.createElement('div');
  made.id = 'runtime';
  made.textContent = 'built by a script';
  document.getElementById('host').appendChild(made);
  document.body.appendChild(Object.assign(document.createElement('footer'), { id: 'runtime-footer' }));
  document.getElementById('t2').classList.add('active');
</script>
</body></html>`;
}

test('a second render patches one paragraph and leaves scripts and their DOM alone', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  await driver.render(artifact('First version of the paragraph.'));
  const frame = page.frameLocator('#artifact');
  await expect(frame.locator('#runtime')).toHaveText('built by a script');
  await markNodes(driver, ['keep', 'edit', 'host', 'runtime', 'title']);

  await driver.render(artifact('Second version, edited by the agent.'));
  await expect(frame.locator('#edit')).toHaveText('Second version, edited by the agent.');
  expect(await driver.frame().evaluate(() => (window as unknown as { runs: number }).runs)).toBe(1);
  // Same live nodes as before: edited in place, not rebuilt.
  expect(await marks(driver, ['keep', 'edit', 'host', 'runtime', 'title'])).toEqual([
    'keep',
    'edit',
    'host',
    'runtime',
    'title',
  ]);
  await expect(frame.locator('#runtime-footer')).toHaveCount(1);
  // An attribute a script set, on an element whose source did not change it, stays.
  await expect(frame.locator('#t2')).toHaveClass('active');
  expect(await driver.errors()).toEqual([]);
});

test('attribute, style and script changes apply; new scripts run once', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  await driver.render(artifact('Text.'));
  const frame = page.frameLocator('#artifact');
  await expect(frame.locator('#edit')).toHaveCSS('color', 'rgb(0, 0, 255)');

  const v2 = artifact('Text.')
    .replace('color: rgb(0, 0, 255)', 'color: rgb(0, 128, 0)')
    .replace('<p id="keep">', '<p id="keep" data-state="changed">');
  const extra = '<script>window.extraRuns = (window.extraRuns || 0) + 1;</script>';
  await driver.render(v2.replace('</body>', `${extra}</body>`));
  await expect(frame.locator('#edit')).toHaveCSS('color', 'rgb(0, 128, 0)');
  await expect(frame.locator('#keep')).toHaveAttribute('data-state', 'changed');
  const counters = () =>
    driver.frame().evaluate(() => {
      const w = window as unknown as { runs: number; extraRuns?: number };
      return [w.runs, w.extraRuns ?? 0];
    });
  expect(await counters()).toEqual([1, 1]);

  // A changed script is a new program: the page is built afresh and every script runs again, as on a
  // reload (the changed one with its new text); what the old run made is gone, not doubled.
  await driver.render(
    v2.replace('window.runs = (window.runs || 0) + 1;', 'window.runs = (window.runs || 0) + 10;').replace('</body>', `${extra}</body>`),
  );
  expect(await counters()).toEqual([11, 2]);
  await expect(frame.locator('#runtime')).toHaveCount(1);
  await expect(frame.locator('#runtime-footer')).toHaveCount(1);

  // Removing the attribute from the source removes it from the live node.
  await driver.render(artifact('Text.').replace('</body>', `${extra}</body>`));
  await expect(frame.locator('#keep')).not.toHaveAttribute('data-state', /.*/);
  await expect(frame.locator('#edit')).toHaveCSS('color', 'rgb(0, 0, 255)');
  // The re-run redeclared top-level consts; the bootstrap retried it in a block.
  expect(await driver.errors()).toEqual([]);
});

test('inserting, removing and reordering siblings keeps the rest in place', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  const list = (items: string[]) =>
    `<ol id="list">${items.map((i) => `<li id="${i}">${i} text</li>`).join('')}</ol><p id="tail">tail</p>`;
  await driver.render(list(['a', 'b', 'c', 'd']));
  await markNodes(driver, ['a', 'b', 'c', 'd', 'list', 'tail']);
  await driver.render(list(['new', 'a', 'c', 'd', 'e']));
  const ids = () => driver.frame().evaluate(() => [...document.querySelectorAll('#list > li')].map((li) => li.id));
  expect(await ids()).toEqual(['new', 'a', 'c', 'd', 'e']);
  expect(await marks(driver, ['a', 'c', 'd', 'list', 'tail', 'new', 'e'])).toEqual([
    'a',
    'c',
    'd',
    'list',
    'tail',
    null,
    null,
  ]);
  // An edited item next to an inserted one is patched in place, not swapped.
  await driver.render(list(['new', 'a', 'x', 'c', 'd', 'e']).replace('c text', 'c text, edited'));
  expect(await ids()).toEqual(['new', 'a', 'x', 'c', 'd', 'e']);
  await expect(page.frameLocator('#artifact').locator('#c')).toHaveText('c text, edited');
  expect(await marks(driver, ['c'])).toEqual(['c']);
});

test('a burst of renders applies only the newest; stale revs are ignored', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  await driver.render('<p id="v">0</p>');
  const revs: number[] = [];
  for (let i = 1; i <= 5; i++) revs.push(await driver.sendRender(`<p id="v">${i}</p>`));
  await driver.waitForRendered(revs[4]);
  await expect(page.frameLocator('#artifact').locator('#v')).toHaveText('5');
  // An old rev arriving late changes nothing.
  await driver.send({ loupe: 1, type: 'render', rev: 1, html: '<p id="v">stale</p>' });
  await driver.render('<p id="v">6</p>');
  await expect(page.frameLocator('#artifact').locator('#v')).toHaveText('6');
  const rendered = (await driver.messages()).filter((m) => m.type === 'rendered').map((m) => m.rev);
  expect(rendered[rendered.length - 1]).toBe(revs[4] + 1);
});

test('document.write in an artifact script is kept inside the page', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  await driver.render('<p>before</p><script>document.write("<b id=\\"w\\">written</b>")</script><p id="after">after</p>');
  const frame = page.frameLocator('#artifact');
  await expect(frame.locator('#w')).toHaveText('written');
  await expect(frame.locator('#after')).toHaveText('after');
  // The bootstrap survived (document.open would have removed its listeners).
  await driver.render('<p>before</p><p id="after">after, again</p>');
  await expect(frame.locator('#after')).toHaveText('after, again');
});

test('SVG, namespaced and parser-only attribute names, and templates survive a morph', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  const source = (r: number, action: string, row: string) => `
    <svg id="chart" viewBox="0 0 10 10" xmlns:xlink="http://www.w3.org/1999/xlink">
      <circle id="dot" cx="5" cy="5" r="${r}"/><use id="ref" xlink:href="#dot"/>
    </svg>
    <div id="alpine" @click="${action}" x-on:keyup.enter="go()">alpine-style attributes</div>
    <template id="tpl"><li>${row}</li></template>`;
  await driver.render(source(1, 'open = !open', 'first row'));
  await markNodes(driver, ['chart', 'dot', 'alpine']);
  await driver.render(source(3, 'open = false', 'second row'));
  const state = await driver.frame().evaluate(() => {
    const dot = document.getElementById('dot');
    const alpine = document.getElementById('alpine');
    const template = document.getElementById('tpl') as HTMLTemplateElement | null;
    return {
      r: dot?.getAttribute('r'),
      svgNamespace: dot?.namespaceURI,
      xlink: document.getElementById('ref')?.getAttributeNS('http://www.w3.org/1999/xlink', 'href'),
      click: alpine?.getAttribute('@click'),
      keyup: alpine?.getAttribute('x-on:keyup.enter'),
      row: template?.content.textContent,
    };
  });
  expect(state).toEqual({
    r: '3',
    svgNamespace: 'http://www.w3.org/2000/svg',
    xlink: '#dot',
    click: 'open = false',
    keyup: 'go()',
    row: 'second row',
  });
  expect(await marks(driver, ['chart', 'dot', 'alpine'])).toEqual(['chart', 'dot', 'alpine']);
  expect(await driver.errors()).toEqual([]);
});
