import { expect, test, type Page } from '@playwright/test';
import { FrameDriver } from './driver';
import { startHarness, type Harness } from './harness';
import { realmDoorPage } from './realm-doors';
import { startTripwire, type Tripwire } from '../fixtures/tripwire';

/**
 * A parser entry point the frame has never heard of is blocked by
 * construction (lib/frame/guards/realm.ts, removeUnknownParsers): every
 * member whose name mentions HTML and that the frame has not reviewed is
 * gone before the artifact runs. Chromium today has none such, so this
 * spec makes one: an init script (which runs before the frame program)
 * gives Element.prototype a `streamHTMLUnsafe` that is the native,
 * unwrapped setHTMLUnsafe, i.e. a parser that builds declarative shadow
 * roots out of the guard's sight. The positive control shows that door is
 * real: without the guard, the same payload reaches the tripwire.
 */

let guarded: Harness;
let unguarded: Harness;
let tripwire: Tripwire;
test.beforeAll(async () => {
  guarded = await startHarness();
  unguarded = await startHarness({ realmGuard: false });
});
test.afterAll(async () => {
  await Promise.all([guarded.close(), unguarded.close()]);
});
test.beforeEach(async ({ page }) => {
  tripwire = await startTripwire();
  await page.addInitScript(() => {
    const native = Object.getOwnPropertyDescriptor(Element.prototype, 'setHTMLUnsafe');
    if (native) Object.defineProperty(Element.prototype, 'streamHTMLUnsafe', { ...native });
  });
});
test.afterEach(async () => {
  await tripwire.close();
});

const NEW_PARSER_DOOR = {
  script: `
    note('streamHTMLUnsafe', typeof Element.prototype.streamHTMLUnsafe);
    if (typeof Element.prototype.streamHTMLUnsafe === 'function') {
      Element.prototype.streamHTMLUnsafe.call(mount(),
        '<div id="h"><template shadowrootmode="closed"><iframe srcdoc="' + attr(CHILD) + '"></iframe></template></div>');
    }`,
};

interface DoorReport {
  probe: 'realm-door';
  notes: Record<string, string>;
}
const isDoorReport = (m: unknown): m is DoorReport =>
  typeof m === 'object' && m !== null && (m as { probe?: unknown }).probe === 'realm-door';

async function runDoor(page: Page, harness: Harness): Promise<{ driver: FrameDriver; notes: Record<string, string> }> {
  const driver = await FrameDriver.open(page, harness);
  await driver.sendRender(realmDoorPage('a parser the frame does not know', NEW_PARSER_DOOR, tripwire.port));
  let report: DoorReport | undefined;
  await expect
    .poll(async () => {
      report = (await driver.rawMessages()).find(isDoorReport);
      return report !== undefined;
    })
    .toBe(true);
  return { driver, notes: report?.notes ?? {} };
}

test('a parser entry point the frame does not know is absent: no nested realm, nothing reaches the network', async ({ page }) => {
  const { driver, notes } = await runDoor(page, guarded);
  expect(notes.streamHTMLUnsafe).toBe('undefined');
  const until = Date.now() + 2_000;
  await expect
    .poll(
      () => {
        expect({ datagrams: tripwire.datagrams(), requests: tripwire.requests(), connections: tripwire.connections() }).toEqual({
          datagrams: 0,
          requests: [],
          connections: 0,
        });
        expect(page.frames()).toHaveLength(2);
        return Date.now() >= until;
      },
      { intervals: [200], timeout: 10_000 },
    )
    .toBe(true);
  // The reviewed entry points are still there, and the frame still renders.
  const kept = await driver.frame().evaluate(() => [typeof Element.prototype.setHTMLUnsafe, typeof Element.prototype.insertAdjacentHTML, typeof Document.parseHTMLUnsafe]);
  expect(kept).toEqual(['function', 'function', 'function']);
  await driver.render('<p id="after">still rendering</p>');
  await expect(page.frameLocator('#artifact').locator('#after')).toHaveText('still rendering');
});

test('a parser entry point the frame does not know: positive control, without the realm guard the payload reaches the tripwire', async ({ page }) => {
  const { notes } = await runDoor(page, unguarded);
  expect(notes.streamHTMLUnsafe).toBe('function');
  await expect.poll(() => tripwire.datagrams(), { message: 'STUN/TURN datagrams from the nested realm' }).toBeGreaterThan(0);
});

// The same for a kind of element that can hold a nested document: any
// element interface exposing contentWindow, contentDocument or
// getSVGDocument is removed on insertion, tag name or not. The init script
// stands in for a browser with a new such element.
const NEW_CONTAINER = `<!doctype html><html><body><script>
  const el = document.createElement('model-frame');
  document.body.appendChild(el);
  queueMicrotask(() => queueMicrotask(() => {
    const done = document.createElement('p');
    done.id = 'done';
    done.textContent = el.isConnected ? 'connected' : 'removed';
    document.body.appendChild(done);
  }));
</script></body></html>`;

async function defineContainer(page: Page): Promise<void> {
  await page.addInitScript(() => {
    class HTMLModelFrameElement extends HTMLElement {
      get contentWindow(): Window | null {
        return null;
      }
    }
    Object.defineProperty(window, 'HTMLModelFrameElement', { value: HTMLModelFrameElement, configurable: true, writable: true });
    customElements.define('model-frame', HTMLModelFrameElement);
  });
}

test('an element kind that exposes a nested window is removed on insertion, whatever its tag', async ({ page }) => {
  await defineContainer(page);
  const driver = await FrameDriver.open(page, guarded);
  await driver.render(NEW_CONTAINER);
  await expect(page.frameLocator('#artifact').locator('#done')).toHaveText('removed');
  expect(await driver.errors()).toContain('Removed a nested <model-frame>: artifacts cannot embed other documents.');
});

test('an element kind that exposes a nested window: control, without the realm guard it stays', async ({ page }) => {
  await defineContainer(page);
  const driver = await FrameDriver.open(page, unguarded);
  await driver.render(NEW_CONTAINER);
  await expect(page.frameLocator('#artifact').locator('#done')).toHaveText('connected');
});
