import { expect, test, type Page } from '@playwright/test';
import { FrameDriver } from './driver';
import { startHarness, type Harness } from './harness';
import { REALM_DOORS, realmDoorPage, type RealmDoor } from './realm-doors';
import { startTripwire, type Tripwire } from '../fixtures/tripwire';

/**
 * The realm guard (lib/frame/guards/realm.ts), door by door: no
 * nested realm lives long enough to run a script, so the child document's
 * WebRTC never sends a datagram. Each door also runs in a frame served
 * without the guard (the positive control), where the same payload must
 * reach the tripwire: a quiet result then means the guard held, not that
 * the payload was broken.
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
test.beforeEach(async () => {
  tripwire = await startTripwire();
});
test.afterEach(async () => {
  await tripwire.close();
});

/** How long the tripwire must stay quiet after the payload ran: ICE gathering starts within a second when it can. */
const QUIET_MS = 2_000;

interface DoorReport {
  probe: 'realm-door';
  door: string;
  notes: Record<string, string>;
}
const isDoorReport = (m: unknown): m is DoorReport =>
  typeof m === 'object' && m !== null && (m as { probe?: unknown }).probe === 'realm-door';

/** Renders the door's page in `harness`'s frame and waits until its script has run. */
async function runDoor(page: Page, harness: Harness, name: string, door: RealmDoor): Promise<FrameDriver> {
  const driver = await FrameDriver.open(page, harness);
  await driver.sendRender(realmDoorPage(name, door, tripwire.port));
  let report: DoorReport | undefined;
  await expect
    .poll(async () => {
      report = (await driver.rawMessages()).find(isDoorReport);
      return report !== undefined;
    }, { message: `the ${name} payload ran` })
    .toBe(true);
  test.info().annotations.push({ type: 'payload', description: JSON.stringify(report?.notes) });
  return driver;
}

const seen = () => ({
  connections: tripwire.connections(),
  bytes: tripwire.bytes(),
  datagrams: tripwire.datagrams(),
  requests: tripwire.requests(),
});

for (const [name, door] of Object.entries(REALM_DOORS)) {
  test(`${name}: no nested realm runs, nothing reaches the network`, async ({ page }) => {
    const driver = await runDoor(page, guarded, name, door);
    const until = Date.now() + QUIET_MS;
    await expect
      .poll(
        () => {
          expect(seen(), 'nothing at the tripwire').toEqual({ connections: 0, bytes: 0, datagrams: 0, requests: [] });
          expect(page.frames().map((f) => f.url()), 'no nested frame').toEqual([guarded.appUrl, `${guarded.sandboxOrigin}/frame`]);
          return Date.now() >= until;
        },
        { intervals: [200], timeout: QUIET_MS + 8_000 },
      )
      .toBe(true);
    // The frame is still ours and still renders.
    await driver.render('<p id="after">still rendering</p>');
    await expect(page.frameLocator('#artifact').locator('#after')).toHaveText('still rendering');
  });

  test(`${name}: positive control, without the realm guard the payload reaches the tripwire`, async ({ page }) => {
    await runDoor(page, unguarded, name, door);
    await expect.poll(() => tripwire.datagrams(), { message: 'STUN/TURN datagrams from the nested realm' }).toBeGreaterThan(0);
  });
}

// <object> and <embed> get a nested browsing context (about:blank, no
// script of the page's: CSP object-src 'none' refuses every URL) that the
// guard removes all the same: no realm it does not see.
const EMBEDDERS = `<!doctype html><html><body>
<script>
for (const [tag, attr] of [['object', 'data'], ['embed', 'src']]) {
  const el = document.createElement(tag);
  el.type = 'text/html';
  el.setAttribute(attr, 'about:blank');
  document.body.appendChild(el);
}
const done = document.createElement('p');
done.id = 'done';
document.body.appendChild(done);
</script></body></html>`;

test('<object> and <embed> get no nested browsing context', async ({ page }) => {
  const driver = await FrameDriver.open(page, guarded);
  await driver.render(EMBEDDERS);
  await expect(page.frameLocator('#artifact').locator('#done')).toBeAttached();
  await expect(page.frameLocator('#artifact').locator('object, embed')).toHaveCount(0);
  expect(page.frames()).toHaveLength(2);
});

test('<object> and <embed>: positive control, without the realm guard they do', async ({ page }) => {
  const driver = await FrameDriver.open(page, unguarded);
  await driver.render(EMBEDDERS);
  await expect(page.frameLocator('#artifact').locator('#done')).toBeAttached();
  await expect.poll(() => page.frames().length).toBeGreaterThan(2);
});
