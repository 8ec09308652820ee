import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { APIRequestContext, Browser, BrowserContext, Page } from '@playwright/test';
import { apiFor, createArtifact, expect, signInAs, startLoupe, test, type ApiCall, type LoupeProcess } from '../fixtures/server';
import { chooseHeaderAction, openHeaderMenu } from '../fixtures/live-header';
import { pushVersion } from '../versions/pages';

/**
 * Screenshots of publication and audit, wide, tablet and narrow, light and
 * dark: a draft's live view, the publish dialog, a published artifact with
 * its access dialog and admin menu, the gallery with drafts, and /audit.
 * Under 900 px the header folds its actions into one "More" menu: shot
 * closed and open, and Publish and Share are chosen from it.
 *   npx playwright test --config e2e/screenshots.config.ts e2e/ui/governance.capture.ts
 */
const DIR = process.env.SCREENSHOT_DIR ?? 'test-results/screenshots';
const VIEWPORTS = { wide: { width: 1440, height: 900 }, tablet: { width: 768, height: 1024 }, narrow: { width: 390, height: 844 } } as const;
/** Below this width the live header's actions live in its "More" menu. */
const FOLD_WIDTH = 1200;
const SCHEMES = ['light', 'dark'] as const;

const PAGE = (title: string, byline = 'Written by the agent') => `<!doctype html><html><head><style>
body{font:16px/1.6 system-ui,sans-serif;margin:0;color:#1d2330;background:#fff}
header{padding:36px 48px;background:linear-gradient(120deg,#0f766e,#1e3a8a);color:#fff}
header h1{margin:0 0 6px;font-size:28px} main{padding:24px 48px;max-width:880px}
</style></head><body><header><h1>${title}</h1><div>${byline}</div></header>
<main>${Array.from({ length: 10 }, (_, i) => `<p>Finding ${i + 1}: what the agent noticed while working through the change.</p>`).join('')}</main></body></html>`;

const PEOPLE = [
  { name: 'Grace Hopper', email: 'grace@loupe.test', role: 'member' },
  { name: 'Katherine Johnson', email: 'katherine@loupe.test', role: 'member' },
  { name: 'Linus Pauling', email: 'linus@loupe.test', role: 'viewer' },
  { name: 'Margaret Hamilton', email: 'margaret@loupe.test', role: 'admin' },
] as const;

/** Cookie-authenticated writes need the app's Origin. */
async function send(request: APIRequestContext, loupe: LoupeProcess, method: 'POST' | 'PUT' | 'PATCH', path: string, data: unknown) {
  const response = await request.fetch(loupe.url + path, { method, data, headers: { origin: loupe.url } });
  expect(response.status(), `${method} ${path}: ${await response.text()}`).toBeLessThan(300);
  return response.json().catch(() => null) as Promise<unknown>;
}

async function addMember(request: APIRequestContext, loupe: LoupeProcess, person: (typeof PEOPLE)[number]): Promise<string> {
  const invitation = (await send(request, loupe, 'POST', '/api/v1/org/invitations', { role: person.role, email: person.email })) as { url: string };
  const secret = new URL(invitation.url).pathname.split('/').pop() ?? '';
  const accepted = await fetch(`${loupe.url}/api/v1/invitations/${secret}/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: loupe.url },
    body: JSON.stringify({ name: person.name, email: person.email, password: 'a long enough password' }),
  });
  expect(accepted.status, `accept invitation: ${await accepted.clone().text()}`).toBe(201);
  const members = (await (await request.get(`${loupe.url}/api/v1/org/members`)).json()) as { items: Array<{ userId: string; email: string }> };
  return members.items.find((m) => m.email === person.email)?.userId ?? '';
}

interface Seeded {
  draftId: string;
  sharedId: string;
}

async function seed(api: ApiCall, loupe: LoupeProcess, admin: BrowserContext): Promise<Seeded> {
  const ids: string[] = [];
  for (const person of PEOPLE) ids.push(await addMember(admin.request, loupe, person));

  const draftId = await createArtifact(api, { title: 'Migration plan: split the events table', project: 'platform', session: 'mig-88', kind: 'plan', html: PAGE('Migration plan') });
  await createArtifact(api, { title: 'Flaky test triage, week 47', project: 'ci', session: 'triage', kind: 'report', html: PAGE('Flaky tests') });
  const orgWide = await createArtifact(api, { title: 'PR #512 walkthrough: audit chain', project: 'loupe', session: 'pr-512', kind: 'walkthrough', html: PAGE('PR #512') });
  const sharedId = await createArtifact(api, { title: 'Incident 2025-11-21 timeline', project: 'platform', session: 'inc-311', kind: 'timeline', html: PAGE('Incident timeline') });

  await send(admin.request, loupe, 'POST', `/api/v1/artifacts/${orgWide}/publish`, { visibility: 'org' });
  await send(admin.request, loupe, 'POST', `/api/v1/artifacts/${sharedId}/publish`, { visibility: 'members', members: [ids[0], ids[1]] });
  await send(admin.request, loupe, 'PUT', `/api/v1/artifacts/${sharedId}/legal-hold`, { hold: true });
  await send(admin.request, loupe, 'PUT', `/api/v1/artifacts/${orgWide}/access`, { visibility: 'org', members: [] });
  await send(admin.request, loupe, 'PATCH', `/api/v1/org/members/${ids[2]}`, { role: 'member' });
  return { draftId, sharedId };
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(DIR, `${name}.png`) });
}

async function newPage(browser: Browser, loupe: LoupeProcess, size: keyof typeof VIEWPORTS, scheme: (typeof SCHEMES)[number]) {
  const context = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORTS[size], colorScheme: scheme, reducedMotion: 'reduce' });
  await signInAs(context, loupe);
  return { context, page: await context.newPage() };
}

test.describe('screenshots', () => {
  test.setTimeout(240_000);

  test('publication and audit, wide and narrow, light and dark', async ({ browser }) => {
    mkdirSync(DIR, { recursive: true });
    const { loupe, stop } = await startLoupe();
    try {
      const admin = await browser.newContext({ baseURL: loupe.url });
      await signInAs(admin, loupe);
      const { draftId, sharedId } = await seed(apiFor(loupe), loupe, admin);
      await admin.close();

      let visit = 0;
      for (const size of Object.keys(VIEWPORTS) as Array<keyof typeof VIEWPORTS>) {
        for (const scheme of SCHEMES) {
          const suffix = `${size}-${scheme}`;
          const isFolded = VIEWPORTS[size].width < FOLD_WIDTH;
          const { context, page } = await newPage(browser, loupe, size, scheme);

          await page.goto(`/a/${draftId}`);
          await expect(page.frameLocator('iframe').getByRole('heading', { name: 'Migration plan' })).toBeVisible();
          await expect(page.getByTestId('access-chip')).toHaveText('Draft');
          await shoot(page, `gov-live-draft-${suffix}`);
          if (isFolded) {
            await openHeaderMenu(page);
            await shoot(page, `gov-live-draft-menu-${suffix}`);
            await page.keyboard.press('Escape');
          }

          await chooseHeaderAction(page, page.getByRole('button', { name: 'Publish' }), 'Publish');
          const dialog = page.getByRole('dialog', { name: 'Publish this draft' });
          await expect(dialog).toBeVisible();
          await shoot(page, `gov-publish-dialog-${suffix}`);
          await dialog.getByRole('radio', { name: /Only people you pick/ }).check();
          await expect(dialog.getByRole('checkbox', { name: /Grace Hopper/ })).toBeVisible();
          await dialog.getByRole('checkbox', { name: /Grace Hopper/ }).check();
          await shoot(page, `gov-publish-dialog-members-${suffix}`);
          await dialog.getByLabel('Filter people').fill('kath');
          await shoot(page, `gov-publish-dialog-filter-${suffix}`);
          await page.keyboard.press('Escape');
          await page.keyboard.press('Escape');
          await expect(dialog).toBeHidden();

          // A version since the last visit: History (on narrow screens, the "More" button) marks it new.
          visit += 1;
          await pushVersion(apiFor(loupe), sharedId, PAGE('Incident timeline', `Written by the agent · update ${visit}`), `Update ${visit}`);
          await page.goto(`/a/${sharedId}`);
          await expect(page.frameLocator('iframe').getByRole('heading', { name: 'Incident timeline' })).toBeVisible();
          await expect(page.getByTestId('access-chip')).toHaveText('3 people');
          await expect(page.getByTestId('legal-hold-chip')).toBeVisible();
          await shoot(page, `gov-live-shared-${suffix}`);
          await chooseHeaderAction(page, page.getByRole('button', { name: 'Share' }), 'Share');
          await expect(page.getByRole('dialog', { name: 'Who can see this' })).toBeVisible();
          await shoot(page, `gov-access-dialog-${suffix}`);
          await page.keyboard.press('Escape');
          if (isFolded) await openHeaderMenu(page);
          else await page.getByLabel('More actions').click();
          await expect(page.getByRole('menuitemcheckbox', { name: 'Legal hold' })).toBeVisible();
          await shoot(page, `gov-admin-menu-${suffix}`);
          await page.keyboard.press('Escape');

          await page.goto('/');
          await expect(page.getByRole('link', { name: 'Migration plan: split the events table' })).toBeVisible();
          await shoot(page, `gov-gallery-${suffix}`);
          await page.getByRole('radio', { name: 'Drafts' }).check();
          await expect(page).toHaveURL(/status=draft/);
          await expect(page.getByRole('link', { name: 'PR #512 walkthrough: audit chain' })).toBeHidden();
          await shoot(page, `gov-gallery-drafts-${suffix}`);

          await page.goto('/audit');
          await expect(page.getByTestId('audit-row').first()).toBeVisible();
          await expect(page.getByTestId('chain-badge')).toContainText('Chain verified');
          await shoot(page, `gov-audit-${suffix}`);
          await page.screenshot({ path: join(DIR, `gov-audit-full-${suffix}.png`), fullPage: true });
          await page.getByLabel('Action').selectOption('artifact.publish');
          await expect(page).toHaveURL(/action=artifact.publish/);
          await expect(page.getByTestId('audit-row')).toHaveCount(2);
          await shoot(page, `gov-audit-filtered-${suffix}`);
          await context.close();
        }
      }

      // A member (not an admin) opening /audit.
      const member = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORTS.wide });
      await signInAs(member, loupe, PEOPLE[0].email, 'a long enough password');
      const page = await member.newPage();
      await page.goto('/audit');
      await expect(page.getByRole('heading', { name: 'Only admins can see the audit log' })).toBeVisible();
      await shoot(page, 'gov-audit-forbidden-wide-light');

      // Only admins publish: the member's own artifact is a draft they ask an admin to publish.
      const owner = await browser.newContext({ baseURL: loupe.url });
      await signInAs(owner, loupe);
      await send(owner.request, loupe, 'PATCH', '/api/v1/org', { publishRole: 'admin' });
      const asked = (await send(member.request, loupe, 'POST', '/api/v1/artifacts', { title: 'Grace’s design notes', project: 'compiler', kind: 'notes', html: PAGE('Design notes') })) as { id: string };
      await page.goto(`/a/${asked.id}`);
      await expect(page.frameLocator('iframe').getByRole('heading', { name: 'Design notes' })).toBeVisible();
      await expect(page.getByTestId('access-chip')).toHaveText('Draft');
      await shoot(page, 'gov-live-member-draft-wide-light');
      await page.getByRole('button', { name: 'Request publication' }).click();
      await expect(page.getByText('Publication requested', { exact: true })).toBeVisible();
      await shoot(page, 'gov-live-member-requested-wide-light');
      await member.close();
      const adminPage = await owner.newPage();
      await adminPage.setViewportSize(VIEWPORTS.wide);
      await adminPage.goto('/?status=draft');
      await expect(adminPage.getByText('Draft · requested')).toBeVisible();
      await shoot(adminPage, 'gov-gallery-requested-wide-light');
      await owner.close();
    } finally {
      await stop();
    }
  });
});
