import type { FrameLocator, Page } from '@playwright/test';
import { createArtifact, expect, putContent, test } from '../fixtures/server';

const paragraphs = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `<p id="${prefix}${i}">Paragraph ${prefix}${i}: the agent keeps writing while you read.</p>`).join('\n');

const pageOf = (body: string) =>
  `<!doctype html><html><head><style>body{font:16px/1.5 sans-serif;margin:0;padding:16px}p{margin:0 0 12px}</style></head><body>${body}</body></html>`;

const ORIGINAL = paragraphs('p', 300);

/** #p150's top relative to the frame's viewport. */
function topOf(frame: FrameLocator, selector: string): Promise<number> {
  return frame.locator(selector).evaluate((el) => el.getBoundingClientRect().top);
}

async function openAtP150(page: Page, id: string): Promise<{ frame: FrameLocator; before: number }> {
  await page.goto(`/a/${id}`);
  const frame = page.frameLocator('iframe');
  await expect(frame.locator('#p299')).toBeAttached();
  await frame.locator('#p150').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await expect.poll(() => topOf(frame, '#p150')).toBeLessThan(1);
  const before = await topOf(frame, '#p150');
  expect(Math.abs(before)).toBeLessThan(1);
  return { frame, before };
}

test.describe('keeps the reader’s place', () => {
  test('when 40 paragraphs are inserted above', async ({ page, api, signIn }) => {
    const id = await createArtifact(api, { title: 'Long page (above)', html: pageOf(ORIGINAL) });
    await signIn(page);
    const { frame, before } = await openAtP150(page, id);

    await putContent(api, id, pageOf(paragraphs('n', 40) + '\n' + ORIGINAL));

    await expect(frame.locator('#n0')).toBeAttached();
    await expect(frame.locator('#n39')).toBeAttached();
    await expect.poll(async () => Math.abs((await topOf(frame, '#p150')) - before)).toBeLessThanOrEqual(3);
  });

  test('when 40 paragraphs are inserted below', async ({ page, api, signIn }) => {
    const id = await createArtifact(api, { title: 'Long page (below)', html: pageOf(ORIGINAL) });
    await signIn(page);
    const { frame, before } = await openAtP150(page, id);

    const [head, tail] = [paragraphs('p', 300).split('\n').slice(0, 250), paragraphs('p', 300).split('\n').slice(250)];
    await putContent(api, id, pageOf([...head, paragraphs('n', 40), ...tail].join('\n')));

    await expect(frame.locator('#n39')).toBeAttached();
    await expect.poll(async () => Math.abs((await topOf(frame, '#p150')) - before)).toBeLessThanOrEqual(3);
  });
});
