import { expect, test, type Page } from '@playwright/test';
import {
  focusPinMessage,
  pickMessage,
  pinsMessage,
  type FrameMessage,
  type FramePin,
} from '../../lib/sandbox/bridge';
import { FrameDriver } from './driver';
import { startHarness, type Harness } from './harness';
import { OverlayProbe, type OverlayBox } from './overlay-probe';

let harness: Harness;
test.beforeAll(async () => {
  harness = await startHarness();
});
test.afterAll(async () => {
  await harness.close();
});

const INTRO_TEXT = 'The full report is online. Revenue grew by twelve percent this quarter.';
const TARGET_TEXT = 'The second note, which we comment on.';

interface ArticleOptions {
  /** Markup placed before the heading (to push everything down). */
  above?: string;
  /** Markup placed between the notes and the last one (to make the page long). */
  middle?: string;
  /** Extra CSS from the artifact. */
  css?: string;
}

/** An artifact that records every click its own listeners see. */
function article(options: ArticleOptions = {}): string {
  return `<!doctype html><html><head><style>
  body { font: 16px/1.5 sans-serif; margin: 0 24px; }
  p { margin: 0 0 16px; }
  .banner { height: 120px; background: rgb(240, 240, 240); }
  ${options.css ?? ''}
</style></head><body>
${options.above ?? ''}
<h1 id="title">Quarterly report</h1>
<p id="intro">The <a id="out" href="https://example.com/report">full report</a> is online.
  Revenue grew by <em>twelve percent</em> this quarter.</p>
<p class="note">A note with no id.</p>
<p class="note" data-kind="target">${TARGET_TEXT}</p>
<div hidden><p>Hidden paragraph.</p></div>
${options.middle ?? ''}
<p class="note" id="last">Last note.</p>
<script>
  window.artifactClicks = [];
  document.addEventListener('click', (event) => window.artifactClicks.push('document:' + event.target.localName), true);
  document.getElementById('intro').addEventListener('click', () => window.artifactClicks.push('intro'));
</script>
</body></html>`;
}

const TARGET = '[data-kind="target"]';

type MessageOf<T extends FrameMessage['type']> = Extract<FrameMessage, { type: T }>;

async function messagesOf<T extends FrameMessage['type']>(driver: FrameDriver, type: T): Promise<MessageOf<T>[]> {
  return (await driver.messages()).filter((m): m is MessageOf<T> => m.type === type);
}

/** Waits for the first message of a type after `skip` earlier ones, and returns it. */
async function nextOf<T extends FrameMessage['type']>(driver: FrameDriver, type: T, skip = 0): Promise<MessageOf<T>> {
  let found: MessageOf<T> | undefined;
  await expect
    .poll(async () => {
      found = (await messagesOf(driver, type))[skip];
      return found !== undefined;
    }, { message: `a "${type}" message` })
    .toBe(true);
  if (!found) throw new Error('unreachable');
  return found;
}

/** Every message the frame posted passes the app's validator. */
async function expectAllValid(driver: FrameDriver): Promise<void> {
  expect((await driver.messages()).length).toBe((await driver.rawMessages()).length);
}

interface DocRect {
  left: number;
  top: number;
  right: number;
  bottom: number;
  width: number;
  height: number;
  /** Top in document coordinates. */
  docTop: number;
  docLeft: number;
}

async function rectOf(driver: FrameDriver, selector: string): Promise<DocRect> {
  return driver.frame().evaluate((s) => {
    const el = document.querySelector(s);
    if (!el) throw new Error(`no ${s}`);
    const r = el.getBoundingClientRect();
    return {
      left: r.left,
      top: r.top,
      right: r.right,
      bottom: r.bottom,
      width: r.width,
      height: r.height,
      docTop: r.top + window.scrollY,
      docLeft: r.left + window.scrollX,
    };
  }, selector);
}

/** What a person pointing at (x, y) in the frame's viewport would hit. */
async function hitAt(driver: FrameDriver, x: number, y: number): Promise<string> {
  return driver.frame().evaluate(([px, py]) => document.elementFromPoint(px, py)?.localName ?? 'nothing', [x, y] as const);
}

/** Just inside the element's top-right corner, where its pin sits. */
function cornerOf(rect: DocRect): { x: number; y: number } {
  return { x: rect.right - 4, y: rect.top + 4 };
}

async function clickInFrame(page: Page, x: number, y: number): Promise<void> {
  const box = await page.locator('#artifact').boundingBox();
  if (!box) throw new Error('no frame box');
  await page.mouse.click(box.x + x, box.y + y);
}

function artifactClicks(driver: FrameDriver): Promise<string[]> {
  return driver.frame().evaluate(() => (window as unknown as { artifactClicks: string[] }).artifactClicks);
}

function expectBoxOver(box: OverlayBox, rect: DocRect): void {
  expect(Math.abs(box.left - rect.docLeft)).toBeLessThanOrEqual(1);
  expect(Math.abs(box.top - rect.docTop)).toBeLessThanOrEqual(1);
  expect(Math.abs((box.width ?? Number.NaN) - rect.width)).toBeLessThanOrEqual(1);
  expect(Math.abs((box.height ?? Number.NaN) - rect.height)).toBeLessThanOrEqual(1);
}

interface ScrollCounter {
  scrollEvents: number;
  scrollPositions: number[];
}

async function countScrollEvents(driver: FrameDriver): Promise<void> {
  await driver.frame().evaluate(() => {
    const counter = window as unknown as ScrollCounter;
    counter.scrollEvents = 0;
    counter.scrollPositions = [];
    window.addEventListener('scroll', () => {
      counter.scrollEvents += 1;
      counter.scrollPositions.push(window.scrollY);
    });
  });
}

function scrollEvents(driver: FrameDriver): Promise<number> {
  return driver.frame().evaluate(() => (window as unknown as ScrollCounter).scrollEvents);
}

function scrollPositions(driver: FrameDriver): Promise<number[]> {
  return driver.frame().evaluate(() => (window as unknown as ScrollCounter).scrollPositions);
}

function pin(overrides: Partial<FramePin> & Pick<FramePin, 'id' | 'label'>): FramePin {
  return {
    kind: 'element',
    tag: 'p',
    ordinal: null,
    selector: '',
    quote: '',
    color: '#e8590c',
    state: 'ok',
    active: false,
    ...overrides,
  };
}

/** The second note by ordinal, a text pin on the intro by selector, and three that must not show. */
const PINS: FramePin[] = [
  pin({ id: 'on-target', label: '1', ordinal: 2, selector: 'body > p:nth-of-type(3)', quote: TARGET_TEXT }),
  pin({
    id: 'on-quote',
    label: '2',
    kind: 'text',
    selector: '#intro',
    quote: 'twelve  percent',
    color: '#1c7ed6',
    state: 'changed',
    active: true,
  }),
  pin({ id: 'outdated', label: '3', tag: 'h1', ordinal: 0, state: 'outdated' }),
  pin({ id: 'quote-gone', label: '4', selector: 'body > p:nth-of-type(2)', quote: 'Something else entirely' }),
  pin({ id: 'bad-selector', label: '5', selector: 'p[[[', quote: 'x' }),
];

test.describe('pick mode', () => {
  test('outlines the element under the pointer, picks it on click, and the click goes nowhere else', async ({ page }) => {
    const driver = await FrameDriver.open(page, harness);
    await driver.render(article());
    const probe = await OverlayProbe.open(page, driver.frame());
    const frame = page.frameLocator('#artifact');
    await driver.send(pickMessage(true));

    await frame.locator(TARGET).hover();
    const target = await rectOf(driver, TARGET);
    await expect.poll(async () => (await probe.read()).pick?.label).toBe('p');
    const outline = (await probe.read()).pick;
    if (!outline) throw new Error('no outline');
    expectBoxOver(outline.box, target);

    await frame.locator(TARGET).click();
    const picked = await nextOf(driver, 'picked');
    expect(picked.target).toEqual({
      kind: 'element',
      tag: 'p',
      ordinal: 2,
      selector: 'body > p:nth-of-type(3)',
      quote: TARGET_TEXT,
      prefix: '',
      suffix: '',
      // Where in the paragraph the click landed (its middle), and what it is, in words.
      point: { x: expect.closeTo(0.5, 1), y: expect.closeTo(0.5, 1) },
      name: `“${TARGET_TEXT}” in Quarterly report`,
    });
    expect(picked.rect.y).toBeCloseTo(target.top, 0);
    expect(picked.rect.height).toBeCloseTo(target.height, 0);
    // Pick mode is over: no outline, and the artifact never saw the click.
    await expect.poll(async () => (await probe.read()).pick).toBeNull();
    expect(await artifactClicks(driver)).toEqual([]);
    await probe.close();
    await expectAllValid(driver);
    expect(await driver.errors()).toEqual([]);
  });

  test('clicking a link picks it: no navigation, no open-link, no artifact handler; afterwards links work again', async ({ page }) => {
    const driver = await FrameDriver.open(page, harness);
    await driver.render(article());
    const frame = page.frameLocator('#artifact');
    await driver.send(pickMessage(true));

    await frame.locator('#out').click();
    const picked = await nextOf(driver, 'picked');
    expect(picked.target).toMatchObject({ kind: 'element', tag: 'a', ordinal: 0, selector: '#out', quote: 'full report' });
    expect(await artifactClicks(driver)).toEqual([]);
    expect((await driver.messages()).some((m) => m.type === 'open-link')).toBe(false);
    expect(driver.frame().url()).toBe(`${harness.sandboxOrigin}/frame`);

    // One pick and pick mode ends: the same click now reaches the page and the app.
    await frame.locator('#out').click();
    await nextOf(driver, 'open-link');
    expect(await artifactClicks(driver)).toEqual(['document:a', 'intro']);
    expect(await messagesOf(driver, 'picked')).toHaveLength(1);
  });

  test('the keyboard starts on the first visible block, arrows move, Enter picks', async ({ page }) => {
    const driver = await FrameDriver.open(page, harness);
    await driver.render(article());
    const probe = await OverlayProbe.open(page, driver.frame());
    // What the app does when it turns pick mode on: give the frame the keyboard.
    await page.locator('#artifact').focus();
    await driver.send(pickMessage(true));

    const outlineLabel = async () => (await probe.read()).pick?.label ?? null;
    await expect.poll(outlineLabel).toBe('h1#title');
    const steps: [string, string][] = [
      ['ArrowDown', 'p#intro'],
      ['ArrowDown', 'a#out'],
      ['ArrowDown', 'em'],
      ['ArrowUp', 'a#out'],
      ['ArrowLeft', 'p#intro'],
    ];
    for (const [key, label] of steps) {
      await page.keyboard.press(key);
      await expect.poll(outlineLabel, { message: `after ${key}` }).toBe(label);
    }
    const outline = (await probe.read()).pick;
    if (!outline) throw new Error('no outline');
    expectBoxOver(outline.box, await rectOf(driver, '#intro'));

    await page.keyboard.press('Enter');
    const picked = await nextOf(driver, 'picked');
    expect(picked.target).toEqual({
      kind: 'element',
      tag: 'p',
      ordinal: 0,
      selector: '#intro',
      quote: INTRO_TEXT,
      prefix: '',
      suffix: '',
      // A keyboard pick points at the middle of the element.
      point: { x: 0.5, y: 0.5 },
      name: expect.stringMatching(/^“The full report is online.*” in Quarterly report$/),
    });
    await expect.poll(outlineLabel).toBeNull();
    await probe.close();
    expect(await driver.errors()).toEqual([]);
  });

  test('ArrowDown skips hidden and zero-size elements', async ({ page }) => {
    const driver = await FrameDriver.open(page, harness);
    await driver.render(article());
    const probe = await OverlayProbe.open(page, driver.frame());
    await page.locator('#artifact').focus();
    await driver.send(pickMessage(true));
    await expect.poll(async () => (await probe.read()).pick?.label).toBe('h1#title');
    // From the target note, the next element in document order is the hidden
    // <div> and its paragraph; the last note is the next one a reader can see.
    await driver.frame().evaluate(() => document.querySelector('em')?.append(document.createElement('span')));
    for (const label of ['p#intro', 'a#out', 'em', 'p', 'p', 'p#last']) {
      await page.keyboard.press('ArrowDown');
      await expect.poll(async () => (await probe.read()).pick?.label).toBe(label);
    }
    await probe.close();
  });

  test('Escape cancels; turning pick mode off from the app is silent; untrusted clicks never pick', async ({ page }) => {
    const driver = await FrameDriver.open(page, harness);
    await driver.render(article());
    const probe = await OverlayProbe.open(page, driver.frame());
    const frame = page.frameLocator('#artifact');

    await page.locator('#artifact').focus();
    await driver.send(pickMessage(true));
    await expect.poll(async () => (await probe.read()).pick).not.toBeNull();
    // The artifact's own script "clicking" an element is not a reviewer's pick.
    await driver.frame().evaluate(() => document.getElementById('intro')?.click());
    await page.keyboard.press('Escape');
    await nextOf(driver, 'pick-cancelled');
    expect(await messagesOf(driver, 'picked')).toEqual([]);
    expect((await probe.read()).pick).toBeNull();

    await driver.send(pickMessage(true));
    await expect.poll(async () => (await probe.read()).pick).not.toBeNull();
    await driver.send(pickMessage(false));
    await expect.poll(async () => (await probe.read()).pick).toBeNull();
    await frame.locator('#title').click();
    // The script's click was swallowed too (the page holds still while picking); the real one after went through.
    expect(await artifactClicks(driver)).toEqual(['document:h1']);
    expect(await messagesOf(driver, 'pick-cancelled')).toHaveLength(1);
    expect(await messagesOf(driver, 'picked')).toEqual([]);
    await probe.close();
  });
});

test.describe('text selection', () => {
  test('a selection across elements reports its quote, context and place; clearing it reports null', async ({ page }) => {
    const driver = await FrameDriver.open(page, harness);
    await driver.render(article());
    await driver.frame().evaluate(() => {
      const intro = document.getElementById('intro');
      const em = intro?.querySelector('em')?.firstChild;
      const before = intro?.childNodes[2];
      if (!before?.textContent || !em) throw new Error('unexpected page');
      const range = document.createRange();
      range.setStart(before, before.textContent.indexOf('grew'));
      range.setEnd(em, 'twelve'.length);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(range);
    });
    const selection = await nextOf(driver, 'selection');
    expect(selection.target).toEqual({
      kind: 'text',
      tag: 'p',
      ordinal: 0,
      selector: '#intro',
      quote: 'grew by twelve',
      prefix: 'The full report is online. Revenue ',
      suffix: ' percent this quarter.',
    });
    const intro = await rectOf(driver, '#intro');
    expect(selection.rect).not.toBeNull();
    expect(selection.rect?.y ?? -1).toBeGreaterThanOrEqual(intro.top - 1);
    expect(selection.rect?.y ?? Infinity).toBeLessThan(intro.bottom);

    await driver.frame().evaluate(() => getSelection()?.removeAllRanges());
    const cleared = await nextOf(driver, 'selection', 1);
    expect(cleared).toMatchObject({ target: null, rect: null });
    await expectAllValid(driver);
  });

  test('double-clicking a word selects it and reports it', async ({ page }) => {
    const driver = await FrameDriver.open(page, harness);
    await driver.render(article());
    await page.frameLocator('#artifact').locator('#title').dblclick({ position: { x: 12, y: 12 } });
    const selection = await nextOf(driver, 'selection');
    expect(selection.target).toEqual({
      kind: 'text',
      tag: 'h1',
      ordinal: 0,
      selector: '#title',
      quote: 'Quarterly',
      prefix: '',
      suffix: ' report',
    });
  });
});

test.describe('pins', () => {
  test('pins sit on their elements; outdated, missing and unmatched ones are not drawn', async ({ page }) => {
    const driver = await FrameDriver.open(page, harness);
    await driver.render(article());
    const probe = await OverlayProbe.open(page, driver.frame());
    // A list the schema refuses (one label too long) is ignored whole, as the app's validator would.
    await driver.send({ ...pinsMessage(PINS), pins: [...PINS, { ...PINS[0], id: 'long-label', label: '12345' }] });
    await driver.send(pinsMessage(PINS));

    const placed = await nextOf(driver, 'pins-placed');
    expect(placed.placed).toHaveLength(PINS.length);
    const target = await rectOf(driver, TARGET);
    const intro = await rectOf(driver, '#intro');
    expect(placed.placed.map(({ id, found }) => ({ id, found }))).toEqual([
      { id: 'on-target', found: true },
      { id: 'on-quote', found: true },
      { id: 'outdated', found: false },
      { id: 'quote-gone', found: false },
      { id: 'bad-selector', found: false },
    ]);
    expect(placed.placed[0].y).toBeCloseTo(target.docTop - 11, 0);
    expect(placed.placed[1].y).toBeCloseTo(intro.docTop - 11, 0);
    expect(placed.placed.slice(2).map((p) => p.y)).toEqual([null, null, null]);

    // Where a person looks: the pins cover their elements' top-right corners.
    const onTarget = cornerOf(target);
    expect(await hitAt(driver, onTarget.x, onTarget.y)).toBe('loupe-overlay');
    const onIntro = cornerOf(intro);
    expect(await hitAt(driver, onIntro.x, onIntro.y)).toBe('loupe-overlay');
    const title = cornerOf(await rectOf(driver, '#title'));
    expect(await hitAt(driver, title.x, title.y)).toBe('h1');

    const overlay = await probe.read();
    expect(overlay.hostCount).toBe(1);
    // Top to bottom, which is also tab order.
    expect(overlay.pins.map(({ label, ariaLabel, isActive, state }) => ({ label, ariaLabel, isActive, state }))).toEqual([
      { label: '2', ariaLabel: 'Comment thread 2: “twelve percent” (the page changed here since)', isActive: true, state: 'changed' },
      { label: '1', ariaLabel: `Comment thread 1: “${TARGET_TEXT}”`, isActive: false, state: 'ok' },
    ]);

    // The text pin highlights its quote (whitespace in the quote is not significant).
    const highlighted = await driver.frame().evaluate(() =>
      [...CSS.highlights.values()].flatMap((highlight) => [...highlight].map((range) => range.toString())),
    );
    expect(highlighted).toEqual(['twelve percent']);
    await probe.close();
    await expectAllValid(driver);
    expect(await driver.errors()).toEqual([]);
  });

  test('pins follow their elements when a render inserts content above, and go when they become outdated', async ({ page }) => {
    const driver = await FrameDriver.open(page, harness);
    await driver.render(article());
    await driver.send(pinsMessage(PINS));
    const before = (await nextOf(driver, 'pins-placed')).placed[0].y ?? Number.NaN;

    await driver.render(article({ above: '<div class="banner">New</div><div class="banner">Also new</div>' }));
    const moved = await nextOf(driver, 'pins-placed', 1);
    const target = await rectOf(driver, TARGET);
    expect(moved.placed[0].y).toBeCloseTo(before + 240, 0);
    const corner = cornerOf(target);
    expect(await hitAt(driver, corner.x, corner.y)).toBe('loupe-overlay');
    expect(await driver.frame().evaluate(() => [...CSS.highlights.values()].flatMap((h) => [...h].map(String)))).toEqual([
      'twelve percent',
    ]);

    await driver.send(pinsMessage(PINS.map((p) => (p.id === 'on-target' ? { ...p, state: 'outdated' as const } : p))));
    const outdated = await nextOf(driver, 'pins-placed', 2);
    expect(outdated.placed[0]).toEqual({ id: 'on-target', found: false, x: null, y: null });
    expect(await hitAt(driver, corner.x, corner.y)).toBe('p');
  });

  test("a pin stays on its element when the page's own script adds elements of the same tag before it", async ({ page }) => {
    const driver = await FrameDriver.open(page, harness);
    // Two paragraphs the source does not have: the source's ordinal 2 is now the intro.
    const inject = `<script>for (const text of ['Added by the page', 'Also added']) { const p = document.createElement('p'); p.textContent = text; document.body.prepend(p); }</script>`;
    await driver.render(article({ above: inject }));
    await expect.poll(() => driver.frame().evaluate(() => document.querySelectorAll('p').length)).toBe(7);
    const onTarget = pin({ id: 'on-target', label: '1', ordinal: 2, selector: 'body > p:nth-of-type(3)', quote: TARGET_TEXT });
    // A changed anchor's element no longer has the quote: it stays where its ordinal says.
    const changed = pin({ id: 'changed', label: '2', ordinal: 3, quote: 'Text that was edited away', state: 'changed' });
    await driver.send(pinsMessage([onTarget, changed]));
    const placed = (await nextOf(driver, 'pins-placed')).placed;
    expect(placed.map(({ id, found }) => ({ id, found }))).toEqual([
      { id: 'on-target', found: true },
      { id: 'changed', found: true },
    ]);
    expect(placed[0].y).toBeCloseTo((await rectOf(driver, TARGET)).docTop - 11, 0);
    expect(placed[1].y).toBeCloseTo((await rectOf(driver, 'p.note:not([data-kind])')).docTop - 11, 0);
    const corner = cornerOf(await rectOf(driver, TARGET));
    expect(await hitAt(driver, corner.x, corner.y)).toBe('loupe-overlay');
    expect(await driver.errors()).toEqual([]);
  });

  test('the artifact cannot hide the overlay for good, and never sees a click on a pin', async ({ page }) => {
    const driver = await FrameDriver.open(page, harness);
    // The artifact's CSS tries to hide and move it.
    const page1 = article({ css: 'loupe-overlay { display: none !important; top: 500px !important; }' });
    await driver.render(page1);
    await driver.send(pinsMessage(PINS));
    await nextOf(driver, 'pins-placed');
    const corner = cornerOf(await rectOf(driver, TARGET));
    expect(await hitAt(driver, corner.x, corner.y)).toBe('loupe-overlay');

    // Artifact code removes it: gone until the next render puts it back.
    await driver.frame().evaluate(() => document.querySelector('loupe-overlay')?.remove());
    expect(await hitAt(driver, corner.x, corner.y)).toBe('p');
    await driver.render(page1);
    await expect.poll(() => hitAt(driver, corner.x, corner.y)).toBe('loupe-overlay');
    expect(await driver.frame().evaluate(() => document.querySelectorAll('loupe-overlay').length)).toBe(1);

    // A script clicking the host is not a reviewer clicking a pin.
    await driver.frame().evaluate(
      ([x, y]) =>
        document.querySelector('loupe-overlay')?.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true, clientX: x, clientY: y })),
      [corner.x, corner.y] as const,
    );
    await clickInFrame(page, corner.x, corner.y);
    const click = await nextOf(driver, 'pin-click');
    expect(click.id).toBe('on-target');
    expect(await messagesOf(driver, 'pin-click')).toHaveLength(1);
    expect(await artifactClicks(driver)).toEqual([]);
    expect(await driver.errors()).toEqual([]);
  });

  test('Enter on a focused pin clicks it', async ({ page }) => {
    const driver = await FrameDriver.open(page, harness);
    await driver.render(article());
    const probe = await OverlayProbe.open(page, driver.frame());
    await driver.send(pinsMessage(PINS));
    await nextOf(driver, 'pins-placed');
    const first = (await probe.read()).pins[0];
    expect(first.label).toBe('2');
    await probe.focus(first.nodeId);
    await page.keyboard.press('Enter');
    const click = await nextOf(driver, 'pin-click');
    expect(click.id).toBe('on-quote');
    await probe.close();
  });

  test('focus-pin scrolls the element to the middle of the viewport and flashes it', async ({ page }) => {
    const driver = await FrameDriver.open(page, harness);
    const filler = Array.from({ length: 60 }, (_, i) => `<p>Filler paragraph ${i}.</p>`).join('\n');
    // Room below the last note too, so it can be scrolled to the middle.
    await driver.render(article({ middle: filler, css: 'body { padding-bottom: 800px; }' }));
    const probe = await OverlayProbe.open(page, driver.frame());
    await driver.send(pinsMessage([pin({ id: 'far', label: '9', selector: '#last', quote: 'Last note.' })]));
    await nextOf(driver, 'pins-placed');
    expect((await rectOf(driver, '#last')).top).toBeGreaterThan(600);
    await countScrollEvents(driver);

    await driver.send(focusPinMessage('far'));
    await expect.poll(async () => (await probe.read()).flashCount).toBe(1);
    const distanceFromMiddle = async () => {
      const r = await rectOf(driver, '#last');
      return Math.abs(r.top + r.height / 2 - 300);
    };
    await expect.poll(distanceFromMiddle).toBeLessThanOrEqual(2);
    expect(await scrollEvents(driver)).toBeGreaterThan(1); // smooth: a step per frame
    // And the flash goes away by itself.
    await expect.poll(async () => (await probe.read()).flashCount, { timeout: 5_000 }).toBe(0);
    await probe.close();
  });

  test('with reduced motion, focus-pin jumps instead of scrolling smoothly', async ({ page }) => {
    await page.emulateMedia({ reducedMotion: 'reduce' });
    const driver = await FrameDriver.open(page, harness);
    const filler = Array.from({ length: 60 }, (_, i) => `<p>Filler paragraph ${i}.</p>`).join('\n');
    await driver.render(article({ middle: filler, css: 'body { padding-bottom: 800px; }' }));
    await driver.send(pinsMessage([pin({ id: 'far', label: '9', selector: '#last', quote: 'Last note.' })]));
    await nextOf(driver, 'pins-placed');
    await countScrollEvents(driver);

    await driver.send(focusPinMessage('far'));
    await expect
      .poll(async () => {
        const r = await rectOf(driver, '#last');
        return Math.abs(r.top + r.height / 2 - 300);
      })
      .toBeLessThanOrEqual(2);
    // One jump: the scroll event (dispatched on the next frame, so waited for) sees only the
    // final position. A smooth scroll fires one per frame, at positions on the way.
    await expect.poll(() => scrollEvents(driver)).toBeGreaterThanOrEqual(1);
    const finalY = await driver.frame().evaluate(() => window.scrollY);
    expect(new Set(await scrollPositions(driver))).toEqual(new Set([finalY]));
  });
});
