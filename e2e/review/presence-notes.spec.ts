import type { APIRequestContext, Browser, BrowserContext, Frame, Page } from '@playwright/test';
import { createArtifact, expect, signInAs, test, type ApiCall, type LoupeProcess } from '../fixtures/server';

/**
 * Live presence in the review room and the shared notes, with three people
 * in three browsers: avatars and where each reads (the scroll rail), follow,
 * notes typed by all at once, remote cursors, a viewer who can only read,
 * and an agent writing over HTTP.
 */

const PASSWORD = 'a long enough password';
const ADMIN_NAME = 'Admin';

interface Person {
  name: string;
  email: string;
  role: 'member' | 'viewer';
}

let people = 0;
/** A new person for this test (emails are unique per server). */
function person(name: string, role: Person['role'] = 'member'): Person {
  people += 1;
  return { name, role, email: `${name.split(' ')[0].toLowerCase()}.${people}@loupe.test` };
}

/** A long page, so there is somewhere to scroll to. */
function longPage(title: string): string {
  const sections = Array.from(
    { length: 40 },
    (_, i) => `<h2 id="s${i + 1}">Section ${i + 1}</h2><p>Finding ${i + 1}: what the agent noticed while it worked through the change, in enough words to take up some room on the page.</p>`,
  ).join('\n');
  return `<!doctype html><html><head><title>${title}</title><style>body{font:16px/1.6 system-ui,sans-serif;margin:0;padding:24px 40px;max-width:760px}</style></head><body><h1>${title}</h1>${sections}</body></html>`;
}

/** Cookie-authenticated writes need the app's Origin. */
async function send(request: APIRequestContext, loupe: LoupeProcess, method: 'POST' | 'PUT' | 'PATCH', path: string, data: unknown): Promise<void> {
  const response = await request.fetch(loupe.url + path, { method, data, headers: { origin: loupe.url } });
  expect(response.status(), `${method} ${path}: ${await response.text()}`).toBeLessThan(300);
}

/** Invites a person into the admin's organization and accepts as them. */
async function addPerson(admin: APIRequestContext, loupe: LoupeProcess, who: Person): Promise<void> {
  const invitation = await admin.fetch(`${loupe.url}/api/v1/org/invitations`, { method: 'POST', data: { role: who.role, email: who.email }, headers: { origin: loupe.url } });
  expect(invitation.status(), await invitation.text()).toBe(201);
  const secret = new URL(((await invitation.json()) as { url: string }).url).pathname.split('/').pop() ?? '';
  const accepted = await fetch(`${loupe.url}/api/v1/invitations/${secret}/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: loupe.url },
    body: JSON.stringify({ name: who.name, email: who.email, password: PASSWORD }),
  });
  expect(accepted.status, `accept invitation: ${await accepted.clone().text()}`).toBe(201);
}

interface Reader {
  context: BrowserContext;
  page: Page;
}

/** A browser of its own for `who` (the admin when omitted), on the artifact's live page. */
async function openAs(browser: Browser, loupe: LoupeProcess, artifactId: string, who?: Person): Promise<Reader> {
  const context = await browser.newContext({ baseURL: loupe.url, viewport: { width: 1280, height: 800 } });
  await signInAs(context, loupe, who?.email, who ? PASSWORD : undefined);
  const page = await context.newPage();
  await page.goto(`/a/${artifactId}`);
  await expect(page.frameLocator('iframe').locator('h1')).toBeVisible();
  return { context, page };
}

/** An org-wide artifact with a long page, and the people who will read it (besides the admin). */
async function setUp(browser: Browser, loupe: LoupeProcess, api: ApiCall, others: Person[]): Promise<string> {
  const id = await createArtifact(api, { title: 'Incident 311: checkout latency', project: 'platform', session: 'inc-311', html: longPage('Checkout latency') });
  const admin = await browser.newContext({ baseURL: loupe.url });
  try {
    await signInAs(admin, loupe);
    for (const other of others) await addPerson(admin.request, loupe, other);
    await send(admin.request, loupe, 'POST', `/api/v1/artifacts/${id}/publish`, { visibility: 'org' });
  } finally {
    await admin.close();
  }
  return id;
}

/** The artifact's frame in a page (a cross-origin frame: Playwright reaches into it). */
function artifactFrame(page: Page): Frame {
  const frame = page.frames().find((f) => f !== page.mainFrame());
  if (!frame) throw new Error('no artifact frame');
  return frame;
}

function scrollYOf(page: Page): Promise<number> {
  return artifactFrame(page).evaluate(() => window.scrollY);
}

/** Scrolls the artifact with the mouse wheel, the way a reader does. */
async function wheel(page: Page, deltaY: number): Promise<void> {
  const box = await page.locator('iframe').boundingBox();
  if (!box) throw new Error('frame not laid out');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, deltaY);
}

/** Opens the review panel (unless it opened by itself) on its Notes tab. */
async function openNotes(page: Page): Promise<void> {
  const toggle = page.getByTestId('comments-toggle');
  await expect(toggle).toBeVisible();
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await page.getByRole('tab', { name: 'Notes' }).click();
  await expect(page.getByTestId('notes-editor')).toBeVisible();
}

test.describe('presence and shared notes', () => {
  test('three reviewers see each other and where each reads; following tracks the leader until the follower scrolls', async ({ browser, loupe, api }) => {
    const grace = person('Grace Hopper');
    const katherine = person('Katherine Johnson');
    const id = await setUp(browser, loupe, api, [grace, katherine]);
    const readers = [await openAs(browser, loupe, id), await openAs(browser, loupe, id, grace), await openAs(browser, loupe, id, katherine)];
    const [admin, graceView, katherineView] = readers.map((r) => r.page);
    try {
      // Everyone sees three avatars: themselves, and the other two as buttons that follow them.
      for (const [page, others] of [
        [admin, [grace.name, katherine.name]],
        [graceView, [ADMIN_NAME, katherine.name]],
        [katherineView, [ADMIN_NAME, grace.name]],
      ] as const) {
        await expect(page.getByTestId('presence-avatar')).toHaveCount(3);
        await expect(page.getByRole('img', { name: /\(you\)$/ })).toHaveCount(1);
        for (const other of others) {
          const avatar = page.getByRole('button', { name: `Follow ${other}`, exact: true });
          await expect(avatar).toBeVisible();
          await expect(avatar).toHaveAccessibleDescription(/on the live page/);
        }
      }

      // Grace scrolls; the admin sees her marker on the rail move down the page.
      const graceMarker = admin.getByTestId('scroll-rail').getByRole('button', { name: new RegExp(`^Follow ${grace.name}, \\d+% down$`) });
      await expect(graceMarker).toHaveAccessibleName(`Follow ${grace.name}, 0% down`);
      const topBefore = (await graceMarker.boundingBox())?.y ?? 0;
      await wheel(graceView, 1500);
      await expect.poll(() => scrollYOf(graceView)).toBeGreaterThan(1000);
      await expect(graceMarker).not.toHaveAccessibleName(`Follow ${grace.name}, 0% down`);
      await expect.poll(async () => ((await graceMarker.boundingBox())?.y ?? 0) - topBefore).toBeGreaterThan(40);
      // Katherine sees it too; the admin's own place is drawn as well.
      await expect(katherineView.getByTestId('scroll-rail').getByRole('button', { name: new RegExp(`^Follow ${grace.name}, [1-9]\\d*% down$`) })).toBeVisible();
      await expect(admin.getByTestId('rail-self')).toBeVisible();

      // Katherine follows Grace: her frame goes where Grace is, and Grace sees it.
      await katherineView.getByRole('button', { name: `Follow ${grace.name}`, exact: true }).click();
      await expect(katherineView.getByTestId('follow-pill')).toContainText(`Following ${grace.name}`);
      await expect(katherineView.getByRole('button', { name: `Follow ${grace.name}`, exact: true })).toHaveAttribute('aria-pressed', 'true');
      const graceY = await scrollYOf(graceView);
      await expect.poll(async () => Math.abs((await scrollYOf(katherineView)) - graceY)).toBeLessThanOrEqual(3);
      await expect(graceView.getByRole('button', { name: `Follow ${katherine.name}`, exact: true })).toHaveAccessibleDescription(/following you/);

      // Grace reads on; Katherine's frame keeps up without her touching it.
      await wheel(graceView, 900);
      await expect.poll(() => scrollYOf(graceView)).toBeGreaterThan(graceY + 500);
      const graceLater = await scrollYOf(graceView);
      await expect.poll(async () => Math.abs((await scrollYOf(katherineView)) - graceLater)).toBeLessThanOrEqual(3);

      // Katherine scrolls herself: following stops, and stays stopped when Grace moves.
      await wheel(katherineView, -600);
      await expect(katherineView.getByTestId('follow-pill')).toBeHidden();
      const katherineOwn = await scrollYOf(katherineView);
      const graceOnKatherinesRail = katherineView.getByTestId('scroll-rail').getByRole('button', { name: new RegExp(`^Follow ${grace.name},`) });
      const placeSeenBefore = await graceOnKatherinesRail.getAttribute('aria-label');
      await wheel(graceView, -1200);
      await expect.poll(() => scrollYOf(graceView)).toBeLessThan(graceLater - 800);
      // Once Katherine has seen Grace's new place, her frame would have moved if she still followed.
      await expect(graceOnKatherinesRail).not.toHaveAttribute('aria-label', placeSeenBefore ?? '');
      expect(Math.abs((await scrollYOf(katherineView)) - katherineOwn)).toBeLessThanOrEqual(3);

      // The rail marker follows too, and Escape stops it.
      await admin.getByTestId('scroll-rail').getByRole('button', { name: new RegExp(`^Follow ${grace.name},`) }).click();
      await expect(admin.getByTestId('follow-pill')).toContainText(`Following ${grace.name}`);
      await expect.poll(async () => Math.abs((await scrollYOf(admin)) - (await scrollYOf(graceView)))).toBeLessThanOrEqual(3);
      await admin.keyboard.press('Escape');
      await expect(admin.getByTestId('follow-pill')).toBeHidden();
      await expect(admin.getByRole('button', { name: `Follow ${grace.name}`, exact: true })).toHaveAttribute('aria-pressed', 'false');

      // When one leaves, the others see them go.
      await readers[2].context.close();
      await expect(admin.getByTestId('presence-avatar')).toHaveCount(2);
    } finally {
      await Promise.all(readers.map((r) => r.context.close()));
    }
  });

  test('a leader on another version: the follower is told where, and can go there', async ({ browser, loupe, api }) => {
    const grace = person('Grace Hopper');
    const id = await setUp(browser, loupe, api, [grace]);
    const cut = await api(`/api/v1/artifacts/${id}/versions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'First look' }) });
    expect(cut.status, await cut.clone().text()).toBe(201);
    const readers = [await openAs(browser, loupe, id), await openAs(browser, loupe, id, grace)];
    const [admin, graceView] = readers.map((r) => r.page);
    try {
      await admin.getByRole('button', { name: `Follow ${grace.name}`, exact: true }).click();
      await expect(admin.getByTestId('follow-pill')).toContainText(`Following ${grace.name}`);
      await graceView.goto(`/a/${id}/v/1`);
      await expect(graceView.getByTestId('version-position')).toHaveText('Viewing v1 of 1');
      // Her new page is a new connection: following picks it up, and says she is on v1.
      await expect(admin.getByTestId('follow-pill')).toContainText(`${grace.name} is on v1`);
      await expect(admin.getByRole('button', { name: `Follow ${grace.name}`, exact: true })).toHaveAccessibleDescription(/on v1/);
      await admin.getByTestId('follow-pill').getByRole('link', { name: `Open v1 and keep following ${grace.name}` }).click();
      await expect(admin.getByTestId('version-position')).toHaveText('Viewing v1 of 1');
      await expect(admin.getByTestId('follow-pill')).toContainText(`Following ${grace.name}`);
      // On the version page too, her place is where the follower goes.
      await wheel(graceView, 1400);
      await expect.poll(() => scrollYOf(graceView)).toBeGreaterThan(900);
      const graceY = await scrollYOf(graceView);
      await expect.poll(async () => Math.abs((await scrollYOf(admin)) - graceY)).toBeLessThanOrEqual(3);
      // Grace, on the version page, sees the admin there too.
      await expect(graceView.getByRole('button', { name: `Follow ${ADMIN_NAME}`, exact: true })).toHaveAccessibleDescription(/on v1/);
    } finally {
      await Promise.all(readers.map((r) => r.context.close()));
    }
  });

  test('notes typed by three people at once converge, with each other’s cursors; a viewer can only read', async ({ browser, loupe, api }) => {
    const grace = person('Grace Hopper');
    const katherine = person('Katherine Johnson');
    const linus = person('Linus Pauling', 'viewer');
    const id = await setUp(browser, loupe, api, [grace, katherine, linus]);
    const readers = [await openAs(browser, loupe, id), await openAs(browser, loupe, id, grace), await openAs(browser, loupe, id, katherine)];
    const pages = readers.map((r) => r.page);
    try {
      for (const page of pages) await openNotes(page);
      const editors = pages.map((page) => page.getByTestId('notes-editor'));
      for (const editor of editors) await expect(editor).toHaveAttribute('contenteditable', 'true');

      // All three type at once.
      const lines = ['Admin: paged the on-call at 14:02.', 'Grace: rollback is ready behind the flag.', 'Katherine: p99 is back under 300 ms.'];
      await Promise.all(
        pages.map(async (page, i) => {
          await editors[i].click();
          await page.keyboard.type(lines[i], { delay: 15 });
        }),
      );
      // Two people typing at the same spot interleave (that is what a CRDT does), so the check is:
      // every page shows the same text, and not one keystroke is lost or doubled.
      const sortedCharacters = (text: string) => [...text].sort().join('');
      await expect
        .poll(async () => {
          const texts = await Promise.all(editors.map(async (editor) => (await editor.textContent()) ?? ''));
          return { isSame: texts.every((text) => text === texts[0]), characters: sortedCharacters(texts[0]), texts };
        })
        .toMatchObject({ isSame: true, characters: sortedCharacters(lines.join('')) });

      // Each sees the others' cursors, labelled with their names (set by the server, not the client).
      const adminNotes = pages[0].getByTestId('notes-panel');
      await expect(adminNotes.getByText(grace.name, { exact: true })).toBeVisible();
      await expect(adminNotes.getByText(katherine.name, { exact: true })).toBeVisible();
      await expect(pages[1].getByTestId('notes-panel').getByText(ADMIN_NAME, { exact: true })).toBeVisible();
      await expect(pages[0].getByTestId('notes-editing')).toContainText('3 editing');

      // Formatting: a heading by markdown shortcut reaches the others as a heading.
      await editors[1].click();
      await pages[1].keyboard.press('Control+End');
      await pages[1].keyboard.press('Enter');
      await pages[1].keyboard.type('## Hand-off');
      await expect(editors[2].getByRole('heading', { name: 'Hand-off' })).toBeVisible();

      // A viewer reads the same notes but cannot change them.
      const viewer = await openAs(browser, loupe, id, linus);
      readers.push(viewer);
      await openNotes(viewer.page);
      const viewerEditor = viewer.page.getByTestId('notes-editor');
      const expected = await editors[0].textContent();
      await expect(viewerEditor).toHaveText(expected ?? '');
      await expect(viewerEditor).toHaveAttribute('contenteditable', 'false');
      await expect(viewer.page.getByText('Read-only: viewers can’t edit the notes.')).toBeVisible();
      await expect(viewer.page.getByRole('toolbar', { name: 'Format the notes' })).toHaveCount(0);
      await viewerEditor.click();
      await viewer.page.keyboard.type('viewer was here');
      // A later writer's edit arrives, so the viewer's page is live; its own typing never landed.
      await pages[0].keyboard.type(' Done.');
      await expect(viewerEditor).toContainText('Done.');
      await expect(viewerEditor).not.toContainText('viewer was here');
      await expect(editors[0]).not.toContainText('viewer was here');
    } finally {
      await Promise.all(readers.map((r) => r.context.close()));
    }
  });

  test('an agent writing over HTTP shows as present and writing, and goes once its stream ends', async ({ browser, loupe, api }) => {
    test.setTimeout(120_000);
    const id = await setUp(browser, loupe, api, []);
    const reader = await openAs(browser, loupe, id);
    const { page } = reader;
    try {
      await expect(page.getByTestId('presence-avatar')).toHaveCount(1);

      // A stream whose body stays open until released.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode('<p id="streamed">Streaming the summary…</p>'));
          await gate;
          controller.close();
        },
      });
      const streaming = api(`/api/v1/artifacts/${id}/stream`, {
        method: 'POST',
        headers: { 'content-type': 'text/html' },
        body,
        duplex: 'half',
      } as RequestInit);

      const agent = page.getByRole('img', { name: /\(agent\), writing$/ });
      await expect(agent).toBeVisible();
      await expect(agent).toContainText('agent');
      await expect(agent).toHaveAttribute('data-writing', 'true');
      await expect(page.frameLocator('iframe').locator('#streamed')).toBeVisible();
      await agent.focus();
      await expect(page.getByText('writing…').filter({ visible: true })).toBeVisible();

      release();
      expect((await streaming).status).toBe(200);
      // The server keeps a finished writer present for a short while, then drops it.
      await expect.poll(() => page.getByRole('img', { name: /\(agent\)/ }).count(), { timeout: 15_000, intervals: [250] }).toBe(0);
      await expect(page.getByTestId('presence-avatar')).toHaveCount(1);
    } finally {
      await reader.context.close();
    }
  });
});
