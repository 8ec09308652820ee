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

/** Paragraphs of uneven height, so a wrong correction cannot cancel out by luck. */
function para(id: string, n: number): string {
  return `<p id="${id}">${id}: ${'Lorem ipsum dolor sit amet. '.repeat(1 + (n % 7))}</p>`;
}

interface Variant {
  top?: number;
  after100?: number;
  after150?: number;
  edit99?: boolean;
  /** Chromium's native scroll anchoring would hide our correction; Safari has none. */
  noNativeAnchoring?: boolean;
}

function artifact(opts: Variant = {}): string {
  const parts: string[] = [];
  for (let i = 0; i < (opts.top ?? 0); i++) parts.push(para(`new-top-${i}`, i + 3));
  for (let i = 1; i <= 200; i++) {
    const edited = para('p99', 99).replace('p99:', 'p99 (edited, now longer):') + para('p99b', 5);
    parts.push(i === 99 && opts.edit99 ? edited : para(`p${i}`, i));
    if (i === 100) for (let k = 0; k < (opts.after100 ?? 0); k++) parts.push(para(`new-after100-${k}`, k));
    if (i === 150) for (let k = 0; k < (opts.after150 ?? 0); k++) parts.push(para(`new-after150-${k}`, k));
  }
  const anchoring = opts.noNativeAnchoring ? 'html, body, main { overflow-anchor: none; }' : '';
  return `<!doctype html><html><head><style>
    ${anchoring}
    body { font: 16px/1.5 sans-serif; margin: 0 24px; }
    header { position: sticky; top: 0; background: #eee; height: 40px; }
  </style></head><body><header id="hdr">Sticky header</header><main id="main">${parts.join('\n')}</main></body></html>`;
}

async function scrollToP100(driver: FrameDriver): Promise<number> {
  return driver.frame().evaluate(() => {
    const el = document.getElementById('p100');
    if (!el) throw new Error('no #p100');
    window.scrollTo({ top: window.scrollY + el.getBoundingClientRect().top, behavior: 'instant' });
    return el.getBoundingClientRect().top;
  });
}

function topOf(driver: FrameDriver, id: string): Promise<number> {
  return driver.frame().evaluate((i) => document.getElementById(i)?.getBoundingClientRect().top ?? NaN, id);
}

const cases: { name: string; next: Variant }[] = [
  { name: '50 paragraphs inserted at the top', next: { top: 50 } },
  { name: 'paragraphs inserted right below the reader', next: { after100: 5 } },
  { name: 'paragraphs inserted far below', next: { after150: 30 } },
  { name: 'the paragraph above the reader edited and split', next: { edit99: true } },
  { name: 'content inserted both above and below', next: { top: 20, after100: 3, after150: 10 } },
];

for (const native of [true, false]) {
  const mode = native ? 'native anchoring on' : 'native anchoring off';
  for (const c of cases) {
    test(`keeps #p100 in place (${mode}): ${c.name}`, async ({ page }) => {
      const driver = await FrameDriver.open(page, harness);
      await driver.render(artifact({ noNativeAnchoring: !native }));
      const before = await scrollToP100(driver);
      expect(Math.abs(before)).toBeLessThanOrEqual(1);
      await expect
        .poll(async () => (await driver.messages()).some((m) => m.type === 'scroll' && m.scrollY > 1000))
        .toBe(true);

      const rendered = await driver.render(artifact({ ...c.next, noNativeAnchoring: !native }));
      expect(Math.abs((await topOf(driver, 'p100')) - before)).toBeLessThanOrEqual(3);
      // And it stays there once the browser has painted (no late correction on top of ours).
      await driver.frame().evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      expect(Math.abs((await topOf(driver, 'p100')) - before)).toBeLessThanOrEqual(3);
      expect(rendered.scrollY).toBeGreaterThan(1000);
      expect(await driver.errors()).toEqual([]);
    });
  }
}

test('a reader at the very top stays at the top when content is inserted above', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  await driver.render(artifact());
  await driver.render(artifact({ top: 10 }));
  expect(await driver.frame().evaluate(() => window.scrollY)).toBe(0);
  expect(await topOf(driver, 'new-top-0')).toBeLessThan(100);
});

test('when the anchor paragraph is removed, its neighbour holds the place', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  await driver.render(artifact({ noNativeAnchoring: true }));
  await scrollToP100(driver);
  const nextBefore = await topOf(driver, 'p101');
  await driver.render(artifact({ top: 10, noNativeAnchoring: true }).replace(para('p100', 100), ''));
  expect(await driver.frame().evaluate(() => document.getElementById('p100'))).toBeNull();
  expect(Math.abs((await topOf(driver, 'p101')) - nextBefore)).toBeLessThanOrEqual(3);
});
