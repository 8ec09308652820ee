import type { Browser, CDPSession, Frame, Page } from '@playwright/test';
import { apiFor, createArtifact, expect, signInAs, test, type LoupeProcess } from '../fixtures/server';
import { addMember, publishToOrg, type Account } from '../review/inbox-seed';
import { anchorFor, reviewPage, threadAs } from '../review/threads-seed';

/**
 * What axe cannot check (e2e/a11y/axe.spec.ts): the artifact frame and the
 * review overlay's closed shadow root. Pick mode, pins and thread cards,
 * used from the keyboard and read as a screen reader is given them: the
 * accessibility tree Chromium builds (DevTools protocol), the app's live
 * region, and where keyboard focus is.
 */
const NOOR: Account = { name: 'Noor Haddad', email: 'noor.a11y@loupe.test', password: 'noor has a long password' };

interface AxNode {
  ignored: boolean;
  role?: { value: string };
  name?: { value: string };
  backendDOMNodeId?: number;
}

interface PinNode {
  name: string;
  backendNodeId: number;
}

let seededId: string | undefined;

/** A published page with two pinned threads (an element, a text selection) and one about the whole page, by Noor (not Bea: axe.spec.ts adds her to the same server). */
async function seed(browser: Browser, loupe: LoupeProcess): Promise<string> {
  if (seededId) return seededId;
  const id = await createArtifact(apiFor(loupe), { title: 'Split the events table', project: 'platform', kind: 'plan', html: reviewPage() });
  const admin = await browser.newContext({ baseURL: loupe.url });
  await signInAs(admin, loupe);
  await publishToOrg(admin.request, loupe, id);
  await addMember(admin.request, loupe, NOOR);
  const noor = await browser.newContext({ baseURL: loupe.url });
  await signInAs(noor, loupe, NOOR.email, NOOR.password);
  await threadAs(noor.request, loupe, id, 'Who flips the flag?', await anchorFor(loupe, id, { kind: 'element', tag: 'h2', ordinal: 0, quote: 'Steps' }));
  await threadAs(noor.request, loupe, id, '10k rows per batch holds locks too long.', await anchorFor(loupe, id, { kind: 'text', tag: 'li', ordinal: 1, quote: 'batches of 10k rows', prefix: 'Backfill in ', suffix: '.' }));
  await threadAs(noor.request, loupe, id, 'Looks good overall.');
  await noor.close();
  await admin.close();
  seededId = id;
  return id;
}

/** Opens the live view, wide, with the threads listed; returns the artifact's frame. */
async function openReview(page: Page, loupe: LoupeProcess, id: string): Promise<Frame> {
  await signInAs(page, loupe);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`/a/${id}`);
  await expect(page.frameLocator('main iframe').getByRole('heading', { name: 'Split the events table' })).toBeVisible();
  await expect(page.getByTestId('review-panel').getByTestId('thread-card')).toHaveCount(3);
  const frame = page.frames().find((candidate) => candidate !== page.mainFrame() && candidate.url().startsWith(loupe.sandboxOrigin));
  if (!frame) throw new Error(`no artifact frame among ${page.frames().map((f) => f.url()).join(', ')}`);
  return frame;
}

/** The pins a screen reader finds in the frame (inside the overlay's closed shadow root), in document (= tab) order. */
async function pinsInAxTree(session: CDPSession): Promise<PinNode[]> {
  const { nodes } = (await session.send('Accessibility.getFullAXTree')) as { nodes: AxNode[] };
  return nodes
    .filter((node) => !node.ignored && node.role?.value === 'button' && (node.name?.value ?? '').startsWith('Comment thread'))
    .map((node) => ({ name: node.name?.value ?? '', backendNodeId: node.backendDOMNodeId ?? 0 }));
}

/** The app's live region saying `text` (the live view has two: comments and pick mode share one). */
function announced(page: Page, text: string | RegExp) {
  return page.locator('p.visually-hidden[role="status"][aria-live="polite"]').filter({ hasText: text });
}

async function focusIsOnFrame(page: Page): Promise<boolean> {
  return page.evaluate(() => document.activeElement?.localName === 'iframe');
}

test('pick mode from the keyboard: it says so, arrows and Enter pick, the pick is read out and the new comment has focus; dropping it returns to Add a pin', async ({ page, browser, loupe }) => {
  const id = await seed(browser, loupe);
  await openReview(page, loupe, id);
  const addPin = page.getByRole('button', { name: /Add a pin/ });

  await addPin.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: /Picking/ })).toHaveAttribute('aria-pressed', 'true');
  await expect(announced(page, 'Pick mode: arrow keys move through the page, Enter pins a comment, Escape cancels.')).toHaveCount(1);
  await expect(page.getByTestId('pick-banner')).toHaveRole('status');
  // The keyboard is in the page, where the arrows move the outline.
  await expect.poll(() => focusIsOnFrame(page)).toBe(true);

  // The first block is the page's title; the next is the byline. Enter picks it.
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  const composer = page.getByTestId('new-thread').getByRole('textbox', { name: 'New comment' });
  await expect(composer).toBeFocused();
  await expect(announced(page, /^Pinned to “.+”\. Write your comment\.$/)).toHaveCount(1);

  // Escape drops the new comment: focus goes back to where the reviewer started.
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('new-thread')).toHaveCount(0);
  await expect(addPin).toBeFocused();
});

test('Escape, or Cancel on the banner, leaves pick mode, says so, and puts focus back on Add a pin', async ({ page, browser, loupe }) => {
  const id = await seed(browser, loupe);
  await openReview(page, loupe, id);
  const addPin = page.getByRole('button', { name: /Add a pin/ });

  await addPin.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('pick-banner')).toBeVisible();
  await expect.poll(() => focusIsOnFrame(page)).toBe(true);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('pick-banner')).toBeHidden();
  await expect(announced(page, 'Pick mode off.')).toHaveCount(1);
  await expect(addPin).toBeFocused();
  await expect(addPin).toHaveAttribute('aria-pressed', 'false');

  // The `c` shortcut, then the banner's Cancel from the keyboard.
  await page.keyboard.press('c');
  await expect(page.getByTestId('pick-banner')).toBeVisible();
  await expect(announced(page, /^Pick mode:/)).toHaveCount(1);
  await page.getByTestId('pick-banner').getByRole('button', { name: /Cancel/ }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('pick-banner')).toBeHidden();
  await expect(addPin).toBeFocused();
});

test('pins are named with their thread number and what they are pinned to, in page order; Enter on one moves focus to its card, named in the list of threads', async ({ page, browser, loupe }) => {
  const id = await seed(browser, loupe);
  const frame = await openReview(page, loupe, id);
  const session = await page.context().newCDPSession(frame);
  try {
    await expect
      .poll(async () => (await pinsInAxTree(session)).map((pin) => pin.name), { message: 'the pins in the frame’s accessibility tree' })
      .toEqual(['Comment thread 1: “Steps”', 'Comment thread 2: “batches of 10k rows”']);

    // The thread cards: a list, each card an article named by its number and author.
    const list = page.getByRole('list', { name: 'Open threads' });
    await expect(list.locator(':scope > li > article')).toHaveCount(3);
    for (const n of [1, 2, 3]) await expect(list.getByRole('article', { name: `Thread ${n} by Noor Haddad` })).toBeVisible();

    // Keyboard focus on the second pin (as Tab reaches it), then Enter: focus moves to its card.
    const [, second] = await pinsInAxTree(session);
    await session.send('DOM.getDocument', { depth: -1, pierce: true });
    const { nodeIds } = (await session.send('DOM.pushNodesByBackendIdsToFrontend', { backendNodeIds: [second.backendNodeId] })) as { nodeIds: number[] };
    await session.send('DOM.focus', { nodeId: nodeIds[0] });
    await page.keyboard.press('Enter');
    const card = list.getByRole('article', { name: 'Thread 2 by Noor Haddad' });
    await expect(card).toBeFocused();
    await expect(card.getByRole('button', { name: 'Show thread 2 on the page' })).toHaveAttribute('aria-pressed', 'true');
  } finally {
    await session.detach();
  }
});
