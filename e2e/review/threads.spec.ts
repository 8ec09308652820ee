import type { BrowserContext, FrameLocator, Page } from '@playwright/test';
import { createArtifact, expect, putContent, signInAs, test } from '../fixtures/server';
import { pushVersion } from '../versions/pages';
import { addMember, publishToOrg, type Account } from './inbox-seed';
import { placedPin, recordPins } from './pin-reports';
import { agentThread, anchorFor, reviewPage, threadAs } from './threads-seed';

/**
 * Threads pinned to the page, as two reviewers live them: Admin pins a
 * comment to a paragraph in pick mode; Noor, watching, sees its pin and its
 * card appear without reloading, clicks the pin to open it, and replies;
 * Admin hears the reply announced and resolves the thread, which leaves
 * Noor's open list. Noor comments on a text selection; the agent then removes
 * that text, and the thread reads as outdated, its quote kept. The filters
 * (mine, mentioning me, outdated, resolved) narrow the list as they say.
 */

// Unique to this spec: specs share a server per worker.
const NOOR: Account = { name: 'Noor Haddad', email: 'noor.threads@loupe.test', password: 'noor has a long password' };
const VIEWPORT = { width: 1400, height: 900 };

const panel = (page: Page) => page.getByTestId('review-panel');
const cards = (page: Page) => panel(page).getByTestId('thread-card');
const card = (page: Page, text: string) => cards(page).filter({ hasText: text });

async function open(context: BrowserContext, id: string): Promise<{ page: Page; frame: FrameLocator }> {
  const page = await context.newPage();
  await page.goto(`/a/${id}`);
  const frame = page.frameLocator('iframe');
  await expect(frame.getByRole('heading', { name: 'Split the events table' })).toBeVisible();
  // Wide screens open the panel by themselves.
  await expect(panel(page)).toBeVisible();
  return { page, frame };
}

test('pin, see it live, reply, resolve, comment on a selection, go outdated, filter', async ({ api, browser, loupe }) => {
  test.setTimeout(120_000);
  const id = await createArtifact(api, { title: 'Split the events table', project: 'platform', html: reviewPage() });
  await pushVersion(api, id, reviewPage(), 'First draft');

  const adminContext = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORT });
  const noorContext = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORT });
  try {
    await signInAs(adminContext, loupe);
    await publishToOrg(adminContext.request, loupe, id);
    await addMember(adminContext.request, loupe, NOOR);
    await signInAs(noorContext, loupe, NOOR.email, NOOR.password);
    await recordPins(noorContext);

    const { page: admin, frame: adminFrame } = await open(adminContext, id);
    const { page: noor, frame: noorFrame } = await open(noorContext, id);
    await expect(panel(admin).getByTestId('threads-empty')).toContainText('No open threads');
    await expect(noor.getByTestId('open-thread-count')).toHaveText('0');

    // 1. Admin pins a comment to the Rollback paragraph: `c` starts pick mode, a click picks.
    await admin.keyboard.press('c');
    await expect(admin.getByTestId('pick-banner')).toBeVisible();
    await expect(panel(admin).getByTestId('add-pin')).toHaveAttribute('aria-pressed', 'true');
    await adminFrame.locator('#rollback').click();
    await expect(admin.getByTestId('pick-banner')).toBeHidden();
    const draft = panel(admin).getByTestId('new-thread');
    await expect(draft).toContainText('Flip the flag off; the old table keeps taking writes until the cut-over.');
    await expect(draft.getByRole('textbox', { name: 'New comment' })).toBeFocused();
    await admin.keyboard.type('Say how long the old table keeps taking writes.');
    await draft.getByRole('button', { name: 'Comment', exact: true }).click();
    await expect(draft).toBeHidden();
    const adminCard = card(admin, 'Say how long the old table keeps taking writes.');
    await expect(adminCard).toBeVisible();
    await expect(adminCard.locator('blockquote')).toContainText('Flip the flag off');
    await expect(adminCard).toContainText('on v1');
    const threadId = (await adminCard.getAttribute('data-thread-id')) ?? '';
    expect(threadId).not.toBe('');

    // 2. Noor sees the card, the count and the pin, live; clicking the pin opens the thread.
    const noorCard = card(noor, 'Say how long the old table keeps taking writes.');
    await expect(noorCard).toBeVisible();
    await expect(noorCard.locator('blockquote')).toContainText('Flip the flag off');
    await expect(noor.getByTestId('open-thread-count')).toHaveText('1');
    await expect.poll(() => placedPin(noor, threadId)).toMatchObject({ found: true, y: expect.any(Number) });
    const target = await noorFrame.locator('#rollback').boundingBox();
    if (!target) throw new Error('the Rollback paragraph has no box');
    // A pin sits where the reviewer clicked: Admin's click was in the middle of the paragraph.
    await noor.mouse.click(target.x + target.width / 2, target.y + target.height / 2);
    await expect(noorCard).toHaveAttribute('data-active', 'true');
    await expect(noorCard).toBeFocused();

    // 3. Noor replies; Admin sees it and hears it announced.
    await noorCard.getByRole('button', { name: 'Reply to thread 1' }).click();
    await noor.keyboard.type('Until the cut-over on Thursday; I will add it.');
    await noorCard.getByRole('button', { name: 'Reply', exact: true }).click();
    await expect(noorCard.getByTestId('comment')).toHaveCount(2);
    await expect(adminCard.getByTestId('comment').nth(1)).toContainText('Until the cut-over on Thursday');
    await expect(adminCard.getByTestId('comment').nth(1)).toContainText('Noor Haddad');
    await expect(admin.getByRole('status').filter({ hasText: 'Noor Haddad replied on thread 1: Until the cut-over on Thursday' })).toHaveCount(1);

    // 4. Admin resolves it; it leaves both open lists and shows under Resolved.
    await adminCard.getByRole('button', { name: 'Resolve thread 1' }).click();
    await expect(adminCard).toBeHidden();
    // Focus stays in the panel (the list is empty now: its first control).
    await expect(panel(admin).getByTestId('comment-on-page')).toBeFocused();
    await expect(noorCard).toBeHidden();
    await expect(noor.getByTestId('open-thread-count')).toHaveText('0');
    await panel(noor).getByRole('radio', { name: /Resolved/ }).click();
    await expect(card(noor, 'Say how long')).toContainText('Resolved by Admin');
    await panel(noor).getByRole('radio', { name: /Open/ }).click();

    // 5. Noor comments on text she selects in the page.
    await noorFrame.locator('#risks').evaluate((element) => {
      const range = document.createRange();
      range.selectNodeContents(element);
      const selection = window.getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
    });
    await noor.getByTestId('comment-on-selection').click();
    const noorDraft = panel(noor).getByTestId('new-thread');
    await expect(noorDraft).toContainText('Replication lag could spike while the backfill runs.');
    await noor.keyboard.type('How much lag is too much?');
    await noorDraft.getByRole('button', { name: 'Comment', exact: true }).click();
    const lagCard = card(noor, 'How much lag is too much?');
    await expect(lagCard).toBeVisible();
    await expect(card(admin, 'How much lag is too much?')).toBeVisible();

    // Two more open threads: the agent's about the page, and Noor's mentioning Admin.
    await agentThread(api, id, 'I split the plan into steps.');
    await threadAs(noorContext.request, loupe, id, 'Can @admin@loupe.test own the flag flip?');
    await expect(cards(admin)).toHaveCount(3);
    await expect(card(admin, 'I split the plan into steps.')).toContainText('Whole page');

    // 6. The agent removes the Risks paragraph: Noor's thread is outdated, its quote kept, and no pin is drawn.
    await putContent(api, id, reviewPage({ withRisks: false }));
    await expect(noorFrame.locator('#risks')).toHaveCount(0);
    await expect(lagCard).toHaveAttribute('data-anchor-state', 'outdated');
    await expect(lagCard).toContainText('Outdated');
    await expect(lagCard.locator('blockquote')).toContainText('Replication lag could spike while the backfill runs.');
    const lagId = (await lagCard.getAttribute('data-thread-id')) ?? '';
    await expect.poll(() => placedPin(noor, lagId)).toMatchObject({ found: false, y: null });

    // 7. Filters, for Admin: mentioning me, mine (none open), outdated, and clearing them.
    const filters = panel(admin).getByTestId('thread-filters');
    await expect(filters.getByRole('button', { name: /Mentioning me/ })).toContainText('1');
    await filters.getByRole('button', { name: /Mentioning me/ }).click();
    await expect(cards(admin)).toHaveCount(1);
    await expect(cards(admin)).toContainText('own the flag flip');
    await filters.getByRole('button', { name: /Mentioning me/ }).click();
    await filters.getByRole('button', { name: /Mine/ }).click();
    await expect(cards(admin)).toHaveCount(0);
    await expect(panel(admin).getByTestId('threads-empty')).toContainText('No open threads match these filters.');
    await panel(admin).getByRole('button', { name: 'Clear filters' }).click();
    await expect(cards(admin)).toHaveCount(3);
    await filters.getByRole('button', { name: /Outdated/ }).click();
    await expect(cards(admin)).toHaveCount(1);
    await expect(cards(admin)).toContainText('How much lag is too much?');
    await filters.getByRole('radio', { name: /Resolved/ }).click();
    await expect(cards(admin)).toHaveCount(0);
    await filters.getByRole('button', { name: /Outdated/ }).click();
    await expect(cards(admin)).toHaveCount(1);
    await expect(cards(admin)).toContainText('Say how long the old table keeps taking writes.');

    // 8. Escape closes the panel and gives focus back to its toggle; the choice is remembered.
    await cards(admin).first().click();
    await admin.keyboard.press('Escape');
    await expect(panel(admin)).toBeHidden();
    await expect(admin.getByTestId('comments-toggle')).toBeFocused();
    await expect(admin.getByTestId('open-thread-count')).toHaveText('3');
    await admin.reload();
    await expect(adminFrame.getByRole('heading', { name: 'Split the events table' })).toBeVisible();
    await expect(panel(admin)).toBeHidden();
    await admin.getByTestId('comments-toggle').click();
    await expect(panel(admin).getByRole('tab', { name: /Threads/ })).toBeFocused();
  } finally {
    await adminContext.close();
    await noorContext.close();
  }
});

test('a link to a pinned thread opens the panel on it and scrolls the page to its pin', async ({ api, browser, loupe }) => {
  const id = await createArtifact(api, { title: 'Split the events table', project: 'platform', html: reviewPage() });
  // Short enough that the last paragraph starts below the fold.
  const context = await browser.newContext({ baseURL: loupe.url, viewport: { width: 1400, height: 480 } });
  try {
    await signInAs(context, loupe);
    const last = 'Context 10: notes the agent gathered while planning, kept for the reviewer.';
    const anchor = await anchorFor(loupe, id, { kind: 'element', tag: 'p', ordinal: 11, quote: last });
    const thread = await threadAs(context.request, loupe, id, 'Is this still true after the split?', anchor);
    const page = await context.newPage();
    await page.goto(`/a/${id}?thread=${thread.id}`);
    const linked = card(page, 'Is this still true after the split?');
    await expect(linked).toHaveAttribute('data-active', 'true');
    await expect(linked).toBeFocused();
    const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
    if (!frame) throw new Error('no artifact frame');
    // The page scrolls until the pinned paragraph is in view.
    await expect
      .poll(() => frame.evaluate((text) => {
        const target = [...document.querySelectorAll('p')].find((p) => p.textContent === text);
        const box = target?.getBoundingClientRect();
        return box ? box.top >= 0 && box.bottom <= window.innerHeight && window.scrollY > 0 : false;
      }, last))
      .toBe(true);
  } finally {
    await context.close();
  }
});
