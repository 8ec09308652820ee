import { expect, test } from '@playwright/test';
import { pickMessage, pinsMessage, themeMessage, type FramePin } from '../../lib/sandbox/bridge';
import { FrameDriver } from './driver';
import { startHarness, type Harness } from './harness';
import { OverlayProbe } from './overlay-probe';

/**
 * The `theme` message: Loupe's overlay (pick outline, pins, highlights)
 * follows the app's light or dark; the page's own colours stay the page's.
 */

let harness: Harness;
test.beforeAll(async () => {
  harness = await startHarness();
});
test.afterAll(async () => {
  await harness.close();
});

const PAGE = `<!doctype html><html><head><style>
  html { color-scheme: light; }
  body { margin: 0 24px; font: 16px/1.5 sans-serif; background: rgb(250, 250, 240); color: rgb(20, 20, 20); }
  @media (prefers-color-scheme: dark) { body { background: rgb(0, 0, 0); } }
</style></head><body>
<h1 id="title">Quarterly report</h1>
<p id="quoted">Revenue grew by twelve percent this quarter.</p>
</body></html>`;

const pin: FramePin = {
  id: 't1',
  kind: 'text',
  tag: 'p',
  ordinal: 0,
  selector: '#quoted',
  quote: 'twelve percent',
  label: '1',
  color: '#2563eb',
  state: 'changed',
  active: false,
};

const LIGHT = { pick: 'rgb(37, 99, 235)', ring: 'rgb(255, 255, 255)', highlight: 'rgba(37, 99, 235, 0.25)' };
const DARK = { pick: 'rgb(140, 152, 255)', ring: 'rgb(14, 15, 18)', highlight: 'rgba(37, 99, 235, 0.35)' };

test('the overlay follows the app’s light and dark; the page keeps its own colours', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  await driver.render(PAGE);
  const frame = driver.frame();
  const probe = await OverlayProbe.open(page, frame);
  await driver.send(pinsMessage([pin]));
  await driver.send(pickMessage(true));
  await page.frameLocator('#artifact').locator('#title').hover();
  await expect.poll(async () => (await probe.read()).pick?.label).toBe('h1#title');

  /** What a reader sees: the overlay's colours, the highlight's, and the page's. */
  const colours = async () => {
    const snapshot = await probe.read();
    if (!snapshot.pick || snapshot.pins.length !== 1) throw new Error('overlay not drawn');
    const outline = await probe.computed(snapshot.pick.nodeId, ['border-top-color']);
    const ring = await probe.computed(snapshot.pins[0].nodeId, ['border-top-color']);
    const inFrame = await frame.evaluate(() => ({
      background: getComputedStyle(document.body).backgroundColor,
      color: getComputedStyle(document.body).color,
      prefersDark: matchMedia('(prefers-color-scheme: dark)').matches,
      highlights: document.adoptedStyleSheets.flatMap((sheet) => Array.from(sheet.cssRules, (rule) => rule.cssText)).join(' '),
    }));
    return { pick: outline['border-top-color'], ring: ring['border-top-color'], ...inFrame };
  };

  const before = await colours();
  expect(before.pick).toBe(LIGHT.pick);
  expect(before.ring).toBe(LIGHT.ring);
  expect(before.highlights).toContain(LIGHT.highlight);
  const pageColours = { background: before.background, color: before.color, prefersDark: before.prefersDark };
  expect(pageColours).toEqual({ background: 'rgb(250, 250, 240)', color: 'rgb(20, 20, 20)', prefersDark: false });

  await driver.send(themeMessage('dark'));
  await expect.poll(async () => (await colours()).pick).toBe(DARK.pick);
  const dark = await colours();
  expect(dark.ring).toBe(DARK.ring);
  expect(dark.highlights).toContain(DARK.highlight);
  expect({ background: dark.background, color: dark.color, prefersDark: dark.prefersDark }).toEqual(pageColours);

  // A scheme the app never sends changes nothing.
  await driver.send({ loupe: 1, type: 'theme', scheme: 'sepia' });
  await driver.send(themeMessage('light'));
  await expect.poll(async () => (await colours()).pick).toBe(LIGHT.pick);
  const after = await colours();
  expect(after.ring).toBe(LIGHT.ring);
  expect(after.highlights).toContain(LIGHT.highlight);
  expect({ background: after.background, color: after.color, prefersDark: after.prefersDark }).toEqual(pageColours);

  await probe.close();
  expect(await driver.errors()).toEqual([]);
});

test('a theme sent before the first render applies to the overlay drawn later', async ({ page }) => {
  const driver = await FrameDriver.open(page, harness);
  await driver.send(themeMessage('dark'));
  await driver.render(PAGE);
  const probe = await OverlayProbe.open(page, driver.frame());
  await driver.send(pinsMessage([pin]));
  await expect.poll(async () => (await probe.read()).pins.length).toBe(1);
  const [drawn] = (await probe.read()).pins;
  expect((await probe.computed(drawn.nodeId, ['border-top-color']))['border-top-color']).toBe(DARK.ring);
  await probe.close();
});
