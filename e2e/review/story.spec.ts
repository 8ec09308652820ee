import type { Browser, BrowserContext, FrameLocator, Page } from '@playwright/test';
import { ADMIN_EMAIL, createArtifact, expect, putContent, signInAs, test, type ApiCall, type LoupeProcess } from '../fixtures/server';
import { pushVersion } from '../versions/pages';
import { addMember, callAs, publishToOrg, type Account } from './inbox-seed';
import { PIN_SIZE_PX, placedPin, recordPins } from './pin-reports';
import {
  acceptedHostileBodies,
  HOSTILE_NAME,
  HOSTILE_QUOTE,
  HOSTILE_REVIEW_SUMMARY,
  HOSTILE_TITLE,
  HOSTILE_TYPED,
  hostilePage,
  MARKDOWN_PAYLOADS,
  REFUSED_HOSTILE_BODIES,
  ROLLBACK_TEXT,
  STORY_START,
  STORY_STREAM,
  STORY_TITLE,
  storyPage,
  VISIBLE_PAYLOAD,
} from './story-seed';
import { agentThread } from './threads-seed';

/**
 * The review layer's whole story, with three reviewers in three browsers
 * and an agent writing the page. The agent streams the page in while all
 * three watch it writing; the admin pins a comment to the rollback step,
 * and the other two see the card and the pin at once. The agent inserts a
 * long timeline above that step: every pin follows its paragraph down; then
 * it deletes the step: the thread turns outdated for all three, its quote
 * kept. Ines mentions Oskar through the composer's menu; his bell counts it
 * and his inbox leads back to the thread. The admin approves; the agent's
 * next push makes the approval stale for everyone. All three write the
 * notes at once and end with the same document.
 *
 * Then an XSS battery: hostile comment bodies (markdown and structured, from
 * the agent and from a person), a hostile display name, artifact title,
 * review summary and pinned page text, shown in the panel, the inbox and the
 * status dialog; nothing runs, and traps that do catch a real execution
 * prove it.
 */

// Unique to this spec: specs share a server per worker.
const INES: Account = { name: 'Ines Duarte', email: 'ines.story@loupe.test', password: 'ines has a long password' };
const OSKAR: Account = { name: 'Oskar Lind', email: 'oskar.story@loupe.test', password: 'oskar has a long password' };
const MALLORY: Account = { name: HOSTILE_NAME, email: 'mallory.story@loupe.test', password: 'mallory has a long password' };
const VIEWPORT = { width: 1400, height: 900 };
/** A pin is drawn at its element's top edge; allow for subpixel layout. */
const PIN_TOLERANCE_PX = 3;

const panel = (page: Page) => page.getByTestId('review-panel');
const card = (page: Page, text: string) => panel(page).getByTestId('thread-card').filter({ hasText: text });
const chip = (page: Page) => page.getByTestId('review-status-chip');
const bell = (page: Page) => page.getByTestId('inbox-bell');
const agentAvatar = (page: Page) => page.getByRole('img', { name: /\(agent\)/ });

interface Reviewer {
  name: string;
  context: BrowserContext;
  page: Page;
  frame: FrameLocator;
}

/** A browser of its own for `who` (the admin when omitted), recording pin reports, on the artifact's live page. */
async function join(browser: Browser, loupe: LoupeProcess, artifactId: string, contexts: BrowserContext[], who?: Account): Promise<Reviewer> {
  const context = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORT });
  contexts.push(context);
  await signInAs(context, loupe, who?.email, who?.password);
  await recordPins(context);
  const page = await context.newPage();
  await page.goto(`/a/${artifactId}`);
  const frame = page.frameLocator('iframe');
  await expect(frame.getByRole('heading', { name: STORY_TITLE })).toBeVisible();
  // Wide screens open the panel by themselves.
  await expect(panel(page)).toBeVisible();
  return { name: who?.name ?? 'Admin', context, page, frame };
}

/** The agent's streaming write, held open: each `write` reaches viewers as it is sent; `end` closes it and answers. */
function openStream(api: ApiCall, artifactId: string): { write(html: string): void; end(): Promise<Response> } {
  const encoder = new TextEncoder();
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const response = api(`/api/v1/artifacts/${artifactId}/stream`, {
    method: 'POST',
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body,
    duplex: 'half',
  } as RequestInit);
  let isOpen = true;
  return {
    write: (html) => controller?.enqueue(encoder.encode(html)),
    end: () => {
      if (isOpen) controller?.close();
      isOpen = false;
      return response;
    },
  };
}

/** Where the top of `selector` is in a reviewer's frame, in the page's own coordinates (what pins report). */
function topOf(reviewer: Reviewer, selector: string): Promise<number> {
  return reviewer.frame.locator(selector).evaluate((element) => element.getBoundingClientRect().top + window.scrollY);
}

/** Where the vertical middle of `selector` is in a reviewer's frame, in the page's own coordinates. */
function middleOf(reviewer: Reviewer, selector: string): Promise<number> {
  return reviewer.frame.locator(selector).evaluate((element) => {
    const r = element.getBoundingClientRect();
    return r.top + r.height / 2 + window.scrollY;
  });
}

/**
 * How far a thread's pin is drawn from the vertical middle of `selector`, where the admin clicked to pick it
 * (a pin sits where the reviewer clicked); Infinity while the frame has not drawn it.
 */
async function pinDistance(reviewer: Reviewer, threadId: string, selector: string): Promise<number> {
  const pin = await placedPin(reviewer.page, threadId);
  if (!pin?.found || pin.y === null) return Number.POSITIVE_INFINITY;
  return Math.abs(pin.y + PIN_SIZE_PX / 2 - (await middleOf(reviewer, selector)));
}

/** Opens the review panel (unless it is open) on its Notes tab. */
async function openNotes(page: Page): Promise<void> {
  const toggle = page.getByTestId('comments-toggle');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await page.getByRole('tab', { name: 'Notes' }).click();
  await expect(page.getByTestId('notes-editor')).toHaveAttribute('contenteditable', 'true');
}

test('three reviewers and a streaming agent: a pin follows its element, goes outdated, a mention reaches the inbox, an approval goes stale, the notes converge', async ({
  api,
  browser,
  loupe,
}) => {
  test.setTimeout(180_000);
  // The agent has begun the page: the steps so far, the document still open.
  const id = await createArtifact(api, { title: STORY_TITLE, project: 'platform', html: STORY_START });
  const contexts: BrowserContext[] = [];
  let writing: ReturnType<typeof openStream> | null = null;
  try {
    const setup = await browser.newContext({ baseURL: loupe.url });
    contexts.push(setup);
    await signInAs(setup, loupe);
    await publishToOrg(setup.request, loupe, id);
    await addMember(setup.request, loupe, INES);
    await addMember(setup.request, loupe, OSKAR);

    const everyone = await Promise.all([join(browser, loupe, id, contexts), join(browser, loupe, id, contexts, INES), join(browser, loupe, id, contexts, OSKAR)]);
    const [admin, ines, oskar] = everyone;
    for (const { page } of everyone) await expect(page.getByTestId('presence-avatar')).toHaveCount(3);

    // 1. The agent streams the rest of the page while all three watch: it shows as writing, and the page grows.
    writing = openStream(api, id);
    writing.write(STORY_STREAM[0]);
    for (const { page, frame } of everyone) {
      await expect(page.getByRole('img', { name: /\(agent\), writing$/ })).toBeVisible();
      await expect(page.getByTestId('presence-avatar')).toHaveCount(4);
      await expect(frame.locator('#rollback')).toHaveText(ROLLBACK_TEXT);
    }
    writing.write(STORY_STREAM[1]);
    expect((await writing.end()).status).toBe(200);
    for (const { page, frame } of everyone) {
      await expect(frame.getByText('Context 10:')).toBeVisible();
      // Once its stream ends, the agent leaves the room for all three.
      await expect(agentAvatar(page)).toHaveCount(0, { timeout: 20_000 });
      await expect(page.getByTestId('presence-avatar')).toHaveCount(3);
    }

    // 2. The admin pins a comment to the rollback step: `c` starts picking, a click in the frame picks.
    await admin.page.keyboard.press('c');
    await expect(admin.page.getByTestId('pick-banner')).toBeVisible();
    await admin.frame.locator('#rollback').click();
    const draft = panel(admin.page).getByTestId('new-thread');
    await expect(draft.locator('blockquote')).toContainText(ROLLBACK_TEXT);
    await expect(draft.getByRole('textbox', { name: 'New comment' })).toBeFocused();
    const ask = 'Say how long the old table keeps taking writes.';
    await admin.page.keyboard.type(ask);
    await draft.getByRole('button', { name: 'Comment', exact: true }).click();
    await expect(draft).toBeHidden();
    const threadId = (await card(admin.page, ask).getAttribute('data-thread-id')) ?? '';
    expect(threadId).not.toBe('');

    // The other two see the card and the pin, live; every pin sits where the admin clicked, mid-paragraph.
    for (const reviewer of everyone) {
      const theirs = card(reviewer.page, ask);
      await expect(theirs).toBeVisible();
      await expect(theirs.locator('blockquote')).toContainText(ROLLBACK_TEXT);
      await expect(theirs).toHaveAttribute('data-anchor-state', 'ok');
      await expect.poll(() => pinDistance(reviewer, threadId, '#rollback'), { message: `${reviewer.name}: pin on the rollback step` }).toBeLessThanOrEqual(PIN_TOLERANCE_PX);
    }
    const quote = (await card(admin.page, ask).locator('blockquote').textContent()) ?? '';
    const topsBefore = await Promise.all(everyone.map((reviewer) => topOf(reviewer, '#rollback')));

    // 3. The agent inserts a long timeline above the step: the paragraph moves down, and each pin with it.
    await putContent(api, id, storyPage({ withTimeline: true }));
    for (const [i, reviewer] of everyone.entries()) {
      await expect(reviewer.frame.locator('#timeline li')).toHaveCount(14);
      await expect.poll(() => topOf(reviewer, '#rollback'), { message: `${reviewer.name}: the step moved down` }).toBeGreaterThan(topsBefore[i] + 300);
      await expect.poll(() => pinDistance(reviewer, threadId, '#rollback'), { message: `${reviewer.name}: pin followed the step` }).toBeLessThanOrEqual(PIN_TOLERANCE_PX);
      const theirs = card(reviewer.page, ask);
      await expect(theirs).toHaveAttribute('data-anchor-state', 'ok');
      await expect(theirs).not.toContainText('Outdated');
      await expect(theirs.locator('blockquote')).toHaveText(quote);
    }

    // 4. The agent deletes the step: the thread is outdated for all three, its quote kept, and no pin is drawn.
    await putContent(api, id, storyPage({ withTimeline: true, withRollback: false }));
    for (const reviewer of everyone) {
      await expect(reviewer.frame.locator('#rollback')).toHaveCount(0);
      const theirs = card(reviewer.page, ask);
      await expect(theirs).toHaveAttribute('data-anchor-state', 'outdated');
      await expect(theirs).toContainText('Outdated');
      await expect(theirs.locator('blockquote')).toHaveText(quote);
      await expect.poll(() => placedPin(reviewer.page, threadId), { message: `${reviewer.name}: no pin` }).toEqual({ found: false, y: null });
    }

    // 5. Ines replies, mentioning Oskar through the composer's menu.
    const inesCard = card(ines.page, ask);
    await inesCard.getByRole('button', { name: 'Reply to thread 1' }).click();
    await expect(inesCard.getByRole('textbox', { name: 'Reply to thread 1' })).toBeFocused();
    await ines.page.keyboard.type('@Osk');
    const option = ines.page.getByRole('option', { name: /Oskar Lind/ });
    await expect(option).toBeVisible();
    await expect(option).toContainText(OSKAR.email);
    await option.click();
    await ines.page.keyboard.type('can you put the rollback back into the runbook?');
    await inesCard.getByRole('button', { name: 'Reply', exact: true }).click();
    const reply = inesCard.getByTestId('comment').nth(1);
    await expect(reply).toContainText('@Oskar Lind can you put the rollback back into the runbook?');
    await expect(card(admin.page, ask).getByTestId('comment')).toHaveCount(2);

    // Oskar's bell counts it at once; his inbox lists it and leads to the thread.
    await expect(bell(oskar.page)).toHaveAccessibleName('Inbox, 1 unread');
    await bell(oskar.page).click();
    await expect(oskar.page).toHaveURL(/\/inbox$/);
    const item = oskar.page.getByTestId('inbox-item');
    await expect(item).toHaveCount(1);
    await expect(item).toContainText(`${INES.name} mentioned you in ${STORY_TITLE}`);
    await expect(item).toContainText('can you put the rollback back into the runbook?');
    await item.click();
    await expect(oskar.page).toHaveURL(new RegExp(`/a/${id}\\?thread=${threadId}$`));
    await expect(oskar.frame.locator('#timeline')).toBeVisible();
    // The link opens the panel on that thread and focuses it.
    const oskarCard = card(oskar.page, ask);
    await expect(oskarCard).toHaveAttribute('data-active', 'true');
    await expect(oskarCard).toBeFocused();
    await expect(bell(oskar.page)).toHaveAccessibleName('Inbox');

    // 6. The admin approves; all three read it as ready. The agent pushes again: stale for all three, no reload.
    await admin.page.getByRole('button', { name: 'Review', exact: true }).click();
    const dialog = admin.page.getByRole('dialog', { name: 'Review this page' });
    await dialog.getByRole('radio', { name: /^Approve/ }).check();
    await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect(dialog).toBeHidden();
    for (const { page } of everyone) await expect(chip(page)).toHaveText('Approved · ready for hand-off');
    await pushVersion(api, id, storyPage({ withTimeline: true, withRollback: false, batch: '2k' }), 'Smaller batches');
    for (const { page, frame } of everyone) {
      await expect(frame.getByText('Backfill in batches of 2k rows.')).toBeVisible();
      await expect(chip(page)).toHaveText('Approval stale');
    }

    // 7. The notes: the admin lays out a line each; all three then write theirs at the same time.
    for (const { page } of everyone) await openNotes(page);
    const editors = everyone.map(({ page }) => page.getByTestId('notes-editor'));
    await editors[0].click();
    await admin.page.keyboard.type('Admin:');
    await admin.page.keyboard.press('Enter');
    await admin.page.keyboard.type('Ines:');
    await admin.page.keyboard.press('Enter');
    await admin.page.keyboard.type('Oskar:');
    for (const editor of editors) await expect(editor.locator('p')).toHaveText(['Admin:', 'Ines:', 'Oskar:']);
    const lines = [' approved v2 before the timeline landed.', ' rollback belongs in the runbook.', ' will move it there today.'];
    await Promise.all(
      everyone.map(async ({ page, name }, i) => {
        await editors[i].locator('p').filter({ hasText: `${name.split(' ')[0]}:` }).click();
        await page.keyboard.press('End');
        await page.keyboard.type(lines[i], { delay: 15 });
      }),
    );
    const expected = ['Admin:', 'Ines:', 'Oskar:'].map((label, i) => label + lines[i]);
    for (const editor of editors) await expect(editor.locator('p')).toHaveText(expected);
    const texts = await Promise.all(editors.map((editor) => editor.innerText()));
    expect(new Set(texts).size, `one document: ${JSON.stringify(texts)}`).toBe(1);
  } finally {
    // A failed step must not leave the agent's request hanging.
    await writing?.end();
    await Promise.all(contexts.map((context) => context.close()));
  }
});

// ---------------------------------------------------------------------------

interface Trapped {
  page: Page;
  dialogs: string[];
}

/**
 * A page whose main frame records anything a payload could run: `__xss`
 * (payloads push to `top.__xss`), and `alert`, `confirm`, `prompt` replaced
 * by recorders. Other frames keep the real ones, so a dialog from one of them
 * is caught by the `dialog` listener.
 */
async function trappedPage(context: BrowserContext): Promise<Trapped> {
  await context.addInitScript(() => {
    if (window !== window.top) return;
    const caught: string[] = [];
    Object.defineProperty(window, '__xss', { value: caught });
    for (const name of ['alert', 'confirm', 'prompt'] as const) {
      Object.defineProperty(window, name, {
        value: (message?: unknown) => {
          caught.push(`${name}:${String(message)}`);
          return null;
        },
      });
    }
  });
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}:${dialog.message()}`);
    void dialog.dismiss();
  });
  return { page, dialogs };
}

function caughtIn(page: Page): Promise<string[]> {
  return page.evaluate(() => [...(window as unknown as { __xss: string[] }).__xss]);
}

interface InertReport {
  handlers: string[];
  activeElements: string[];
  hrefs: string[];
}

/**
 * What the main page holds that could run: any `on*` attribute anywhere in
 * it, active elements (script, frames, plugins, forms, media, images) inside
 * what people wrote (comments, quotes, inbox items, the status dialog), and
 * the links in there.
 */
function inspect(page: Page): Promise<InertReport> {
  return page.evaluate(() => {
    const handlers = Array.from(document.querySelectorAll('*')).flatMap((element) =>
      Array.from(element.attributes)
        .filter((attribute) => /^on/i.test(attribute.name))
        .map((attribute) => `${element.tagName.toLowerCase()}[${attribute.name}]`),
    );
    const written = Array.from(
      document.querySelectorAll('[data-testid="comment"], [data-testid="thread-card"] blockquote, [data-testid="inbox-item"], [data-testid="review-status-dialog"]'),
    );
    const active = 'script, iframe, frame, frameset, object, embed, applet, img, image, video, audio, source, math, style, link, meta, base, form, input, button[formaction], details, marquee';
    const activeElements = written.flatMap((root) => Array.from(root.querySelectorAll(active)).map((element) => element.outerHTML.slice(0, 120)));
    const hrefs = written.flatMap((root) => Array.from(root.querySelectorAll('a[href]')).map((link) => (link as HTMLAnchorElement).href));
    return { handlers, activeElements, hrefs };
  });
}

function expectInert(report: InertReport, where: string): void {
  expect(report.handlers, `${where}: no on* attributes`).toEqual([]);
  expect(report.activeElements, `${where}: no active elements in what people wrote`).toEqual([]);
  for (const href of report.hrefs) expect(new URL(href).protocol, `${where}: link ${href}`).toMatch(/^(https?|mailto):$/);
}

test('XSS battery: hostile comments, names, title, summary and quoted page text are shown as text and run nothing', async ({ api, browser, loupe }) => {
  test.setTimeout(150_000);
  const id = await createArtifact(api, { title: HOSTILE_TITLE, html: hostilePage() });
  const adminContext = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORT });
  const malloryContext = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORT });
  try {
    await signInAs(adminContext, loupe);
    await publishToOrg(adminContext.request, loupe, id);
    await addMember(adminContext.request, loupe, MALLORY);
    await signInAs(malloryContext, loupe, MALLORY.email, MALLORY.password);
    const mentionables = (await callAs(adminContext.request, loupe, 'GET', `/api/v1/artifacts/${id}/mentionables`)) as { items: Array<{ id: string; email: string | null }> };
    const adminId = mentionables.items.find((person) => person.email === ADMIN_EMAIL)?.id ?? '';
    expect(adminId).not.toBe('');

    // The agent: every markdown payload as a thread, and one structured body.
    const first = await agentThread(api, id, `before\n\n${MARKDOWN_PAYLOADS[0]}\n\nafter`);
    for (const payload of MARKDOWN_PAYLOADS.slice(1)) await agentThread(api, id, `before\n\n${payload}\n\nafter`);
    const accepted = acceptedHostileBodies(adminId);
    const agentStructured = await api(`/api/v1/artifacts/${id}/threads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ body: accepted[0] }) });
    expect(agentStructured.status, await agentStructured.clone().text()).toBe(201);
    // Mallory: structured bodies as replies (the last mentions the admin: the inbox shows it), markdown too.
    const replies = `/api/v1/artifacts/${id}/threads/${first.id}/replies`;
    for (const body of accepted) await callAs(malloryContext.request, loupe, 'POST', replies, { body });
    for (const payload of MARKDOWN_PAYLOADS.slice(0, 6)) await callAs(malloryContext.request, loupe, 'POST', replies, { text: payload });
    // Links a browser would run, and node types that do not exist, are refused, from either.
    for (const [i, body] of REFUSED_HOSTILE_BODIES.entries()) {
      const data = JSON.stringify({ body });
      const status =
        i % 2 === 0
          ? (await api(`/api/v1/artifacts/${id}/threads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: data })).status
          : (await malloryContext.request.fetch(loupe.url + replies, { method: 'POST', headers: { origin: loupe.url, 'content-type': 'application/json' }, data })).status();
      expect(status, `refused body ${i}: ${data}`).toBe(400);
    }
    // Mallory asks for changes, in words that would run.
    await callAs(malloryContext.request, loupe, 'POST', `/api/v1/artifacts/${id}/reviews`, { verdict: 'request_changes', summary: HOSTILE_REVIEW_SUMMARY });
    const threadCount = MARKDOWN_PAYLOADS.length + 1;

    const { page: admin, dialogs } = await trappedPage(adminContext);
    const { page: mallory, dialogs: malloryDialogs } = await trappedPage(malloryContext);
    await admin.goto(`/a/${id}`);
    await mallory.goto(`/a/${id}`);
    const frame = admin.frameLocator('iframe');
    await expect(frame.getByRole('heading', { name: 'Hostile report' })).toBeVisible();
    await expect(panel(admin)).toBeVisible();

    // Shown as text: the title, Mallory's name (her avatar, her comments), payloads, the review state.
    await expect(admin.getByRole('heading', { name: HOSTILE_TITLE, exact: true })).toBeVisible();
    await expect(admin.getByRole('button', { name: `Follow ${HOSTILE_NAME}`, exact: true })).toBeVisible();
    await expect(admin.getByTestId('open-thread-count')).toHaveText(String(threadCount));
    await expect(panel(admin).getByTestId('thread-card')).toHaveCount(threadCount);
    // The agent's thread and Mallory's reply each say it, as a paragraph of text.
    await expect(panel(admin).getByText(VISIBLE_PAYLOAD, { exact: true })).toHaveCount(2);
    await expect(panel(admin).getByText(VISIBLE_PAYLOAD, { exact: true }).first()).toBeVisible();
    const firstCard = panel(admin).getByTestId('thread-card').first();
    await expect(firstCard.getByTestId('comment')).toHaveCount(1 + accepted.length + 6);
    await expect(firstCard.getByTestId('comment').nth(1)).toContainText(HOSTILE_NAME);
    await expect(firstCard.getByText(`<script>top.__xss.push('s1')</script>`)).toBeVisible();
    await expect(firstCard.getByRole('link', { name: `<svg onload=top.__xss.push('s2')>` })).toBeVisible();
    // The mention's name is the person's real one, whatever the body said.
    await expect(firstCard.getByTestId('comment').nth(accepted.length)).toContainText('@Admin please look');
    await expect(chip(admin)).toHaveText(`Changes requested · ${HOSTILE_NAME}`);

    // The admin pins a comment to the page's hostile-looking text, types markup, and mentions Mallory from the menu.
    await admin.keyboard.press('c');
    await frame.locator('#hostile').click();
    const draft = panel(admin).getByTestId('new-thread');
    await expect(draft.locator('blockquote')).toContainText(HOSTILE_QUOTE);
    await expect(draft.getByRole('textbox', { name: 'New comment' })).toBeFocused();
    await admin.keyboard.type(`${HOSTILE_TYPED} cc @mallory.st`);
    const option = admin.getByRole('option', { name: /mallory\.story@loupe\.test/ });
    await expect(option).toContainText(HOSTILE_NAME);
    await option.click();
    await draft.getByRole('button', { name: 'Comment', exact: true }).click();
    await expect(draft).toBeHidden();
    const pinned = card(admin, HOSTILE_TYPED);
    await expect(pinned).toContainText(`${HOSTILE_TYPED} cc @${HOSTILE_NAME}`);
    await expect(pinned.locator('blockquote')).toContainText(HOSTILE_QUOTE);
    await expect(card(mallory, HOSTILE_TYPED).locator('blockquote')).toContainText(HOSTILE_QUOTE);

    expectInert(await inspect(admin), 'panel');
    const panelReport = await inspect(admin);
    expect(panelReport.hrefs.length, 'the bodies do hold links, and all were checked').toBeGreaterThan(3);
    expectInert(await inspect(mallory), 'panel (Mallory)');

    // The status dialog: Mallory's summary as text.
    await chip(admin).click();
    const status = admin.getByTestId('review-status-dialog');
    await expect(status.getByTestId('review-history-entry')).toContainText(HOSTILE_REVIEW_SUMMARY);
    await expect(status.getByTestId('reviewer-standing')).toContainText(HOSTILE_NAME);
    expectInert(await inspect(admin), 'status dialog');
    await admin.keyboard.press('Escape');

    // The inbox: Mallory's mention of the admin, her name and the title as text.
    await admin.goto('/inbox');
    const item = admin.getByTestId('inbox-item').filter({ hasText: 'mentioned you' });
    await expect(item).toHaveCount(1);
    await expect(item).toContainText(`${HOSTILE_NAME} mentioned you in ${HOSTILE_TITLE}`);
    expectInert(await inspect(admin), 'inbox');

    // Nothing ran, on either side.
    expect(await caughtIn(admin)).toEqual([]);
    expect(await caughtIn(mallory)).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(malloryDialogs).toEqual([]);

    // The checks can fail: markup planted in an inbox item runs into __xss and is seen by the inspection,
    // an alert in the main frame is recorded, and a dialog from another frame reaches the listener.
    await item.evaluate((element) => element.insertAdjacentHTML('beforeend', `<img src=x onerror="top.__xss.push('control')"><a href="javascript:void 0">x</a>`));
    await expect.poll(() => caughtIn(admin)).toEqual(['control']);
    const planted = await inspect(admin);
    expect(planted.handlers).toEqual(['img[onerror]']);
    expect(planted.activeElements).toHaveLength(1);
    expect(planted.hrefs).toContain('javascript:void 0');
    await admin.evaluate(() => window.alert('control'));
    expect(await caughtIn(admin)).toEqual(['control', 'alert:control']);
    await admin.evaluate(() => document.body.insertAdjacentHTML('beforeend', `<iframe srcdoc="<script>alert('control')</script>"></iframe>`));
    await expect.poll(() => dialogs).toEqual(['alert:control']);
  } finally {
    await adminContext.close();
    await malloryContext.close();
  }
});
