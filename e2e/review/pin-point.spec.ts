import type { FrameLocator, Page } from '@playwright/test';
import { createArtifact, expect, putContent, signInAs, test } from '../fixtures/server';
import { PIN_SIZE_PX } from './pin-reports';

/**
 * A pin sits where the reviewer clicked. The chart is drawn by the page's
 * script (an SVG made at run time inside a <div> of the source): the pick
 * anchors to that <div>, the nearest element the source has, plus the point
 * inside it, so the pin is drawn on the spike the comment is about, after a
 * reload and after the agent's edit reflows the page; the card names it in
 * words ("chart in Impact").
 */

const VIEWPORT = { width: 1400, height: 900 };
/** The spike, in the chart's own box (600 × 300). */
const SPIKE = { x: 450, y: 40 };

function chartPage(intro: string): string {
  return `<!doctype html><html><head><style>
body{font:16px/1.5 sans-serif;margin:24px}
#chart{width:600px;height:300px;border:0;padding:0}
</style></head><body>
<h1>Checkout latency</h1>
${intro}
<h2>Impact</h2>
<div id="chart"></div>
<p id="after">Latency recovered by 09:40.</p>
<script>
const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
svg.setAttribute('width', '600');
svg.setAttribute('height', '300');
svg.style.display = 'block';
const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
line.setAttribute('points', '0,280 150,270 300,260 ${SPIKE.x},${SPIKE.y} 600,270');
line.setAttribute('fill', 'none');
line.setAttribute('stroke', '#c00');
line.setAttribute('stroke-width', '12');
svg.appendChild(line);
document.getElementById('chart').appendChild(svg);
</script>
</body></html>`;
}

interface Placement {
  found: boolean;
  x: number | null;
  y: number | null;
}

/** Keeps the frame's latest `pins-placed` report (with x) on `window.__pinsAt`. */
async function recordPlacements(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const record: Record<string, unknown> = {};
    Object.defineProperty(window, '__pinsAt', { value: record });
    window.addEventListener('message', (event: MessageEvent) => {
      const data = event.data as { type?: string; placed?: Array<{ id: string }> } | null;
      if (data?.type !== 'pins-placed' || !Array.isArray(data.placed)) return;
      for (const key of Object.keys(record)) delete record[key];
      for (const placement of data.placed) record[placement.id] = placement;
    });
  });
}

function placement(page: Page, id: string): Promise<Placement | null> {
  return page.evaluate((pin) => ((window as unknown as { __pinsAt: Record<string, Placement> }).__pinsAt[pin] ?? null), id);
}

/** Where the spike is, in the page's own coordinates (what pins report). */
function spikeInPage(frame: FrameLocator): Promise<{ x: number; y: number }> {
  return frame.locator('#chart').evaluate((el, spike) => {
    const r = el.getBoundingClientRect();
    return { x: r.left + window.scrollX + spike.x, y: r.top + window.scrollY + spike.y };
  }, SPIKE);
}

/** How far the pin's centre is from the spike; Infinity until the frame has drawn it. */
async function distanceFromSpike(page: Page, frame: FrameLocator, id: string): Promise<number> {
  const at = await placement(page, id);
  if (!at?.found || at.x === null || at.y === null) return Number.POSITIVE_INFINITY;
  const spike = await spikeInPage(frame);
  return Math.hypot(at.x + PIN_SIZE_PX / 2 - spike.x, at.y + PIN_SIZE_PX / 2 - spike.y);
}

test('a pin on a script-drawn chart sits on the point clicked, after a reload and after the page reflows', async ({ api, browser, loupe }) => {
  test.setTimeout(120_000);
  const id = await createArtifact(api, { title: 'Checkout latency', html: chartPage('<p id="intro">Short intro.</p>') });
  const context = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORT });
  try {
    await signInAs(context, loupe);
    const page = await context.newPage();
    await recordPlacements(page);
    await page.goto(`/a/${id}`);
    const frame = page.frameLocator('iframe');
    await expect(frame.locator('#chart svg polyline')).toBeAttached();
    const panel = page.getByTestId('review-panel');
    await expect(panel).toBeVisible();

    // Pick the spike: `c` starts pick mode, a click on the line picks.
    await page.keyboard.press('c');
    await expect(page.getByTestId('pick-banner')).toBeVisible();
    await frame.locator('#chart').click({ position: SPIKE });
    const draft = panel.getByTestId('new-thread');
    await expect(draft.getByTestId('anchor-name')).toHaveText('chart in Impact');
    await expect(draft.getByRole('textbox', { name: 'New comment' })).toBeFocused();
    await page.keyboard.type('What happened at the spike?');
    await draft.getByRole('button', { name: 'Comment', exact: true }).click();
    const card = panel.getByTestId('thread-card').filter({ hasText: 'What happened at the spike?' });
    await expect(card).toBeVisible();
    await expect(card.getByTestId('anchor-name')).toHaveText('chart in Impact');
    await expect(card).not.toContainText('polyline');
    const threadId = (await card.getAttribute('data-thread-id')) ?? '';
    expect(threadId).not.toBe('');

    // The anchor is the source's <div id="chart"> plus the point, as the API tells an agent.
    const thread = (await (await api(`/api/v1/artifacts/${id}/threads/${threadId}`)).json()) as {
      anchor: { tag: string; point: { x: number; y: number }; name: string; start: string | null };
    };
    expect(thread.anchor.tag).toBe('div');
    expect(thread.anchor.start).not.toBeNull();
    expect(thread.anchor.point.x).toBeCloseTo(SPIKE.x / 600, 2);
    expect(thread.anchor.point.y).toBeCloseTo(SPIKE.y / 300, 2);
    expect(thread.anchor.name).toBe('chart in Impact');

    await expect.poll(() => distanceFromSpike(page, frame, threadId)).toBeLessThanOrEqual(3);

    // After a reload.
    await page.reload();
    await expect(frame.locator('#chart svg polyline')).toBeAttached();
    await expect.poll(() => distanceFromSpike(page, frame, threadId)).toBeLessThanOrEqual(3);

    // After the agent's edit pushes the chart 400 px down.
    const before = await spikeInPage(frame);
    await putContent(api, id, chartPage(`<p id="intro">Short intro.</p>${'<p>More context the agent added.</p>'.repeat(16)}`));
    await expect.poll(async () => (await spikeInPage(frame)).y - before.y).toBeGreaterThan(300);
    await expect.poll(() => distanceFromSpike(page, frame, threadId)).toBeLessThanOrEqual(3);
  } finally {
    await context.close();
  }
});

test('a keyboard pick puts the pin at the middle of the element', async ({ api, browser, loupe }) => {
  test.setTimeout(120_000);
  const id = await createArtifact(api, { title: 'Checkout latency (keyboard)', html: chartPage('<p id="intro">Short intro.</p>') });
  const context = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORT });
  try {
    await signInAs(context, loupe);
    const page = await context.newPage();
    await recordPlacements(page);
    await page.goto(`/a/${id}`);
    const frame = page.frameLocator('iframe');
    await expect(frame.locator('#chart svg polyline')).toBeAttached();
    const panel = page.getByTestId('review-panel');
    await page.keyboard.press('c');
    await expect(page.getByTestId('pick-banner')).toBeVisible();
    // Keyboard picking starts at the first block with text (the title); Enter picks it.
    await page.keyboard.press('Enter');
    const draft = panel.getByTestId('new-thread');
    await expect(draft.getByTestId('anchor-name')).toHaveText('heading “Checkout latency”');
    await expect(draft.getByRole('textbox', { name: 'New comment' })).toBeFocused();
    await page.keyboard.type('Name the service.');
    await draft.getByRole('button', { name: 'Comment', exact: true }).click();
    const card = panel.getByTestId('thread-card').filter({ hasText: 'Name the service.' });
    await expect(card).toBeVisible();
    const threadId = (await card.getAttribute('data-thread-id')) ?? '';
    const thread = (await (await api(`/api/v1/artifacts/${id}/threads/${threadId}`)).json()) as { anchor: { point: { x: number; y: number } } };
    expect(thread.anchor.point).toEqual({ x: 0.5, y: 0.5 });
    await expect
      .poll(async () => {
        const at = await placement(page, threadId);
        if (!at?.found || at.x === null || at.y === null) return Number.POSITIVE_INFINITY;
        const middle = await frame.locator('h1').evaluate((el) => {
          const r = el.getBoundingClientRect();
          return { x: r.left + window.scrollX + r.width / 2, y: r.top + window.scrollY + r.height / 2 };
        });
        return Math.hypot(at.x + PIN_SIZE_PX / 2 - middle.x, at.y + PIN_SIZE_PX / 2 - middle.y);
      })
      .toBeLessThanOrEqual(3);
  } finally {
    await context.close();
  }
});
