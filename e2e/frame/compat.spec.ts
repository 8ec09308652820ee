import { expect, test, type FrameLocator } from '@playwright/test';
import { FrameDriver } from './driver';
import { startHarness, type Harness } from './harness';

/**
 * Legitimate artifacts keep working under the realm guard (bootstrap section
 * 3b): templating, an inline chart, web components with open, closed and
 * declarative shadow roots, tabs and toggles, document.write during load.
 * A guard that over-blocks fails here. Each check is what a reader sees.
 */

let harness: Harness;
test.beforeAll(async () => {
  harness = await startHarness();
});
test.afterAll(async () => {
  await harness.close();
});

const frameOf = (driver: FrameDriver): FrameLocator => driver.page.frameLocator('#artifact');

test('innerHTML templating fills a list and a table from data', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  await driver.render(`<!doctype html><html><body>
<h1>Stock</h1><ul id="items"></ul><table id="totals"></table>
<script>
  const items = [{ name: 'Bolts', qty: 120 }, { name: 'Nuts', qty: 80 }, { name: 'Washers', qty: 45 }];
  document.getElementById('items').innerHTML = items.map((i) => \`<li class="item"><b>\${i.name}</b>: \${i.qty}</li>\`).join('');
  document.getElementById('totals').innerHTML = \`<tr><th>Total</th><td id="sum">\${items.reduce((s, i) => s + i.qty, 0)}</td></tr>\`;
  document.querySelector('h1').insertAdjacentHTML('afterend', '<p id="note">Updated <em>today</em></p>');
</script></body></html>`);
  const frame = frameOf(driver);
  await expect(frame.locator('.item')).toHaveText(['Bolts: 120', 'Nuts: 80', 'Washers: 45']);
  await expect(frame.locator('#sum')).toHaveText('245');
  await expect(frame.locator('#note')).toHaveText('Updated today');
  expect(await driver.errors()).toEqual([]);
});

test('a charting routine inlined in the page draws SVG bars and a canvas line from data', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  await driver.render(`<!doctype html><html><body>
<h2>Sales</h2>
<svg id="bars" width="240" height="120" role="img" aria-label="Sales by quarter"></svg>
<canvas id="line" width="240" height="120"></canvas>
<script>
  // A minimal chart library, as an agent would inline one.
  const chart = {
    bars(svg, data, max) {
      const NS = 'http://www.w3.org/2000/svg';
      const w = 240 / data.length;
      data.forEach((d, i) => {
        const h = Math.round((d.value / max) * 100);
        const rect = document.createElementNS(NS, 'rect');
        rect.setAttribute('x', String(i * w + 4));
        rect.setAttribute('y', String(110 - h));
        rect.setAttribute('width', String(w - 8));
        rect.setAttribute('height', String(h));
        rect.setAttribute('fill', '#3366cc');
        svg.appendChild(rect);
        const label = document.createElementNS(NS, 'text');
        label.setAttribute('x', String(i * w + w / 2));
        label.setAttribute('y', '120');
        label.setAttribute('text-anchor', 'middle');
        label.setAttribute('font-size', '10');
        label.textContent = d.label;
        svg.appendChild(label);
      });
    },
    line(canvas, data, max) {
      const ctx = canvas.getContext('2d');
      ctx.strokeStyle = '#cc3333';
      ctx.lineWidth = 4;
      ctx.beginPath();
      data.forEach((d, i) => {
        const x = 20 + i * 66;
        const y = 110 - (d.value / max) * 100;
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke();
    },
  };
  const data = [{ label: 'Q1', value: 30 }, { label: 'Q2', value: 60 }, { label: 'Q3', value: 90 }, { label: 'Q4', value: 45 }];
  chart.bars(document.getElementById('bars'), data, 90);
  chart.line(document.getElementById('line'), data, 90);
</script></body></html>`);
  const frame = frameOf(driver);
  await expect(frame.locator('#bars text')).toHaveText(['Q1', 'Q2', 'Q3', 'Q4']);
  const heights = await frame.locator('#bars rect').evaluateAll((rects) => rects.map((r) => Math.round(r.getBoundingClientRect().height)));
  expect(heights).toEqual([33, 67, 100, 50]);
  // The line is drawn: red pixels where the canvas was painted.
  const painted = await frame.locator('#line').evaluate((canvas: HTMLCanvasElement) => {
    const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
    let red = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i] > 150 && pixels[i + 3] > 0) red++;
    return red;
  });
  expect(painted).toBeGreaterThan(200);
  expect(await driver.errors()).toEqual([]);
});

/** A card component, in an open or a closed shadow root, made by a script or declared in the markup. */
const CARD_STYLE = 'display:block;width:200px;font:16px sans-serif';
const cardShadow = (title: string) =>
  `<style>.card{padding:8px;border:2px solid #333;background:#ffd}</style><div class="card"><strong>${title}</strong> <slot></slot></div>`;

test('web components with open and closed shadow roots, scripted and declarative, render', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  const page1 = (declared: string) => `<!doctype html><html><body>
<x-card id="open-card" mode="open" style="${CARD_STYLE}">open body</x-card>
<x-card id="closed-card" mode="closed" style="${CARD_STYLE}">open body</x-card>
<div id="dsd-open" style="${CARD_STYLE}"><template shadowrootmode="open">${cardShadow(declared)}</template>open body</div>
<div id="dsd-closed" style="${CARD_STYLE}"><template shadowrootmode="closed">${cardShadow(declared)}</template>open body</div>
<div id="unsafe" style="${CARD_STYLE}"></div>
<div id="plain" style="${CARD_STYLE}">open body</div>
<script>
  customElements.define('x-card', class extends HTMLElement {
    constructor() {
      super();
      this.attachShadow({ mode: this.getAttribute('mode') }).innerHTML = ${JSON.stringify(cardShadow('Scripted'))};
    }
  });
  document.getElementById('unsafe').setHTMLUnsafe('<template shadowrootmode="open">' + ${JSON.stringify(cardShadow('Parsed'))} + '</template>open body');
</script></body></html>`;
  await driver.render(page1('Declared'));
  const frame = frameOf(driver);
  // Open roots: the text a reader sees (Playwright's locators pierce open roots).
  await expect(frame.locator('#open-card strong')).toHaveText('Scripted');
  await expect(frame.locator('#dsd-open strong')).toHaveText('Declared');
  await expect(frame.locator('#unsafe strong')).toHaveText('Parsed');
  await expect(frame.locator('#dsd-open')).toContainText('open body');
  // Closed roots cannot be read from outside: each must take the room of its
  // open twin (the card: border, padding, title), not that of its light
  // children alone (#plain).
  const heightOf = async (selector: string) => (await frame.locator(selector).boundingBox())?.height ?? 0;
  const plain = await heightOf('#plain');
  for (const [closed, open] of [['#closed-card', '#open-card'], ['#dsd-closed', '#dsd-open']]) {
    expect(await heightOf(open)).toBeGreaterThan(plain + 10);
    expect(await heightOf(closed), `${closed} renders like ${open}`).toBe(await heightOf(open));
  }

  // The agent edits the declared component: the reader sees the new text.
  await driver.render(page1('Edited'));
  await expect(frame.locator('#dsd-open strong')).toHaveText('Edited');
  await expect(frame.locator('#dsd-open strong')).toHaveCount(1);
  expect(await heightOf('#dsd-closed')).toBe(await heightOf('#dsd-open'));
  expect(await driver.errors()).toEqual([]);
});

test('tabs and toggles switch what is shown', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  await driver.render(`<!doctype html><html><body>
<div role="tablist">
  <button role="tab" id="tab-a" onclick="show('a')">Summary</button>
  <button role="tab" id="tab-b" onclick="show('b')">Details</button>
</div>
<section id="panel-a">Summary panel</section>
<section id="panel-b" hidden>Details panel</section>
<details id="more"><summary>More</summary><p id="more-text">Hidden until opened</p></details>
<label><input type="checkbox" id="dark"> Dark mode</label>
<p id="mode">light</p>
<script>
  function show(id) {
    for (const p of document.querySelectorAll('section')) p.hidden = p.id !== 'panel-' + id;
  }
  document.getElementById('dark').addEventListener('change', (e) => {
    document.getElementById('mode').textContent = e.target.checked ? 'dark' : 'light';
  });
</script></body></html>`);
  const frame = frameOf(driver);
  await expect(frame.locator('#panel-a')).toBeVisible();
  await expect(frame.locator('#panel-b')).toBeHidden();
  await frame.getByRole('tab', { name: 'Details' }).click();
  await expect(frame.locator('#panel-b')).toBeVisible();
  await expect(frame.locator('#panel-a')).toBeHidden();
  await expect(frame.locator('#more-text')).toBeHidden();
  await frame.getByText('More').click();
  await expect(frame.locator('#more-text')).toBeVisible();
  await frame.getByLabel('Dark mode').check();
  await expect(frame.locator('#mode')).toHaveText('dark');
  expect(await driver.errors()).toEqual([]);
});

test('document.write of ordinary markup during load lands where the script is', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  await driver.render(`<!doctype html><html><body>
<p id="before">Before</p>
<script>
  const rows = ['Row 1', 'Row 2'].map((r) => '<tr><td>' + r + '</td></tr>').join('');
  document.write('<table id="written">' + rows + '</table>');
  document.writeln('<p id="line">Written <b>line</b></p>');
</script>
<p id="after">After</p>
</body></html>`);
  const frame = frameOf(driver);
  await expect(frame.locator('#written td')).toHaveText(['Row 1', 'Row 2']);
  await expect(frame.locator('#line')).toHaveText('Written line');
  const order = await frame.locator('body').evaluate((body) =>
    [...body.children].filter((el) => el.id).map((el) => el.id),
  );
  expect(order).toEqual(['before', 'written', 'line', 'after']);
  expect(await driver.errors()).toEqual([]);
});
