import type { FrameLocator, Page } from '@playwright/test';
import { createArtifact, expect, putContent, test, type ApiCall } from '../fixtures/server';

/**
 * What survives a rewrite of the page (docs/ARCHITECTURE.md › The frame ›
 * "Script state across renders"): a reader's clicks on script-driven tabs
 * stay while the agent edits content, and a rewrite (a reset stream, or a
 * push with a new program) leaves the page exactly as a reload would show it.
 */

const HEAD = `<!doctype html><html><head><style>
body{font:16px/1.5 sans-serif;margin:16px}
[role=tab][aria-selected=true]{font-weight:bold;text-decoration:underline}
</style></head><body>
<h1>Quarterly report</h1>
<div role="tablist">
<button role="tab" id="tab-a" aria-controls="panel-a" aria-selected="true">Summary</button>
<button role="tab" id="tab-b" aria-controls="panel-b" aria-selected="false">Details</button>
</div>
`;

const panelA = (text: string) => `<section role="tabpanel" id="panel-a"><p id="text-a">${text}</p></section>\n`;
const panelB = (text: string) => `<section role="tabpanel" id="panel-b" hidden><p id="text-b">${text}</p></section>\n`;

const SCRIPT = `<script>
for (const tab of document.querySelectorAll('[role=tab]')) {
  tab.addEventListener('click', () => {
    for (const t of document.querySelectorAll('[role=tab]')) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      document.getElementById(t.getAttribute('aria-controls')).hidden = !on;
    }
  });
}
</script>
</body></html>`;

const PAGE = HEAD + panelA('Revenue grew 4%.') + panelB('Costs by region.') + SCRIPT;

interface TabState {
  selected: string[];
  visible: string[];
}

/** Which tabs read as selected and which panels are visible, as a reader sees them. */
async function tabState(frame: FrameLocator): Promise<TabState> {
  return frame.locator('body').evaluate(() => ({
    selected: [...document.querySelectorAll('[role=tab][aria-selected=true]')].map((t) => t.id),
    visible: [...document.querySelectorAll('[role=tabpanel]')].filter((p) => (p as HTMLElement).offsetHeight > 0).map((p) => p.id),
  }));
}

async function openAndChooseDetails(page: Page, id: string): Promise<FrameLocator> {
  await page.goto(`/a/${id}`);
  const frame = page.frameLocator('iframe');
  await expect(frame.locator('#text-a')).toBeVisible();
  await frame.locator('#tab-b').click();
  await expect(frame.locator('#text-b')).toBeVisible();
  expect(await tabState(frame)).toEqual({ selected: ['tab-b'], visible: ['panel-b'] });
  return frame;
}

/**
 * `POST /stream?reset=1` whose body the test feeds chunk by chunk: `next()`
 * sends the next chunk, `end()` closes the body and waits for the answer.
 */
function openStream(api: ApiCall, id: string) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const answer = api(`/api/v1/artifacts/${id}/stream?reset=1`, {
    method: 'POST',
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body,
    duplex: 'half',
  } as RequestInit & { duplex: 'half' });
  return {
    next: (text: string) => controller.enqueue(new TextEncoder().encode(text)),
    end: async () => {
      controller.close();
      const response = await answer;
      expect(response.status, await response.clone().text()).toBe(200);
    },
  };
}

test.describe('a rewrite leaves a consistent page', () => {
  test('control: the page loaded fresh shows the first tab and its panel', async ({ page, api, signIn }) => {
    const id = await createArtifact(api, { title: 'Tabs (control)', html: PAGE });
    await signIn(page);
    await page.goto(`/a/${id}`);
    const frame = page.frameLocator('iframe');
    await expect(frame.locator('#text-a')).toBeVisible();
    expect(await tabState(frame)).toEqual({ selected: ['tab-a'], visible: ['panel-a'] });
  });

  test('an edit of the content keeps the tab the reader chose', async ({ page, api, signIn }) => {
    const id = await createArtifact(api, { title: 'Tabs (content edit)', html: PAGE });
    await signIn(page);
    const frame = await openAndChooseDetails(page, id);

    await putContent(api, id, HEAD + panelA('Revenue grew 4%.') + panelB('Costs by region, revised.') + SCRIPT);
    await expect(frame.locator('#text-b')).toHaveText('Costs by region, revised.');
    expect(await tabState(frame)).toEqual({ selected: ['tab-b'], visible: ['panel-b'] });
    // The tabs still work.
    await frame.locator('#tab-a').click();
    expect(await tabState(frame)).toEqual({ selected: ['tab-a'], visible: ['panel-a'] });
  });

  for (const round of [1, 2]) {
    test(`a stream with reset shows the page as a reload would (round ${round})`, async ({ page, api, signIn }) => {
      const id = await createArtifact(api, { title: `Tabs (reset stream ${round})`, html: PAGE });
      await signIn(page);
      const frame = await openAndChooseDetails(page, id);

      const stream = openStream(api, id);
      // The first half: the tabs and the first panel, as before; the second panel and the script are not there yet.
      stream.next(HEAD + panelA('Revenue grew 4%.'));
      await expect(frame.locator('#panel-b')).toHaveCount(0);
      stream.next(panelB('Costs by region.') + SCRIPT);
      await stream.end();
      await expect(frame.locator('#panel-b')).toHaveCount(1);
      await expect(frame.locator('#text-a')).toBeVisible();
      expect(await tabState(frame)).toEqual({ selected: ['tab-a'], visible: ['panel-a'] });
      // And the tabs work.
      await frame.locator('#tab-b').click();
      expect(await tabState(frame)).toEqual({ selected: ['tab-b'], visible: ['panel-b'] });

      // The same as a reload.
      await page.reload();
      await expect(frame.locator('#text-a')).toBeVisible();
      expect(await tabState(frame)).toEqual({ selected: ['tab-a'], visible: ['panel-a'] });
    });
  }

  test('a push with a new program shows the page as a reload would', async ({ page, api, signIn }) => {
    const id = await createArtifact(api, { title: 'Tabs (new program)', html: PAGE });
    await signIn(page);
    const frame = await openAndChooseDetails(page, id);

    const next =
      HEAD.replace('Quarterly report', 'Quarterly report, final') +
      panelA('Revenue grew 5%.') +
      panelB('Costs by region and by team.') +
      SCRIPT.replace('const on = t === tab;', 'const on = t === tab; // final');
    await putContent(api, id, next);
    await expect(frame.locator('#text-a')).toHaveText('Revenue grew 5%.');
    await expect(frame.locator('#text-a')).toBeVisible();
    expect(await tabState(frame)).toEqual({ selected: ['tab-a'], visible: ['panel-a'] });
    await frame.locator('#tab-b').click();
    expect(await tabState(frame)).toEqual({ selected: ['tab-b'], visible: ['panel-b'] });
  });
  test('a push that replaces most of the page under the same script leaves tabs that work, as a reload would', async ({ page, api, signIn }) => {
    const id = await createArtifact(api, { title: 'Tabs (most replaced)', html: PAGE });
    await signIn(page);
    const frame = await openAndChooseDetails(page, id);

    // New markup for nearly everything (the tabs in a list, the panels as articles); the script is the same.
    const top = HEAD.slice(0, HEAD.indexOf('<div role="tablist">'));
    const next =
      top +
      `<nav role="tablist"><ul>
<li><button role="tab" id="tab-a" aria-controls="panel-a" aria-selected="true">Overview</button></li>
<li><button role="tab" id="tab-b" aria-controls="panel-b" aria-selected="false">Breakdown</button></li>
</ul></nav>
<article role="tabpanel" id="panel-a"><h2>Overview</h2><p id="text-a">Revenue grew 6%.</p></article>
<article role="tabpanel" id="panel-b" hidden><h2>Breakdown</h2><p id="text-b">By region and team.</p></article>
` +
      SCRIPT;
    await putContent(api, id, next);
    await expect(frame.locator('#text-a')).toHaveText('Revenue grew 6%.');
    await expect(frame.locator('#text-a')).toBeVisible();
    expect(await tabState(frame)).toEqual({ selected: ['tab-a'], visible: ['panel-a'] });
    // The new buttons work: the page's script ran on them.
    await frame.locator('#tab-b').click();
    expect(await tabState(frame)).toEqual({ selected: ['tab-b'], visible: ['panel-b'] });
  });
});
