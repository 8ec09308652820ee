import { test, expect, type BrowserContext, type Page, type FrameLocator } from '@playwright/test';
import { apiFor, createArtifact, putContent, signInAs } from '../fixtures/server';
import { addMember, publishToOrg, type Account } from '../review/inbox-seed';
import { placedPin, recordPins } from '../review/pin-reports';
import { reviewPage, ROLLBACK_TEXT } from '../review/threads-seed';
import { startBalancedLoupe, type BalancedLoupe } from './load-balancer';

/**
 * Issue 12 through a real load balancer: nginx (deploy/nginx/loupe.conf, round robin, no sticky sessions) in
 * front of two full Loupe instances on PostgreSQL and Redis. Two reviewers, whose sockets land on different
 * instances, see each other's pins, presence and the agent's edits live; then one instance is SIGKILLed, and
 * both keep working once their clients have reconnected through nginx to the survivor.
 */

const NOOR: Account = { name: 'Noor Haddad', email: 'noor.cluster@loupe.test', password: 'noor has a long password' };
const VIEWPORT = { width: 1400, height: 900 };

let balanced: BalancedLoupe;
test.beforeAll(async () => {
  test.setTimeout(600_000);
  balanced = await startBalancedLoupe(2);
});
test.afterAll(async () => {
  await balanced?.stop();
});

const panel = (page: Page) => page.getByTestId('review-panel');
const card = (page: Page, text: string) => panel(page).getByTestId('thread-card').filter({ hasText: text });

async function open(context: BrowserContext, id: string): Promise<{ page: Page; frame: FrameLocator }> {
  const page = await context.newPage();
  await page.goto(`/a/${id}`);
  const frame = page.frameLocator('iframe');
  await expect(frame.getByRole('heading', { name: 'Split the events table' })).toBeVisible();
  await expect(panel(page)).toBeVisible();
  return { page, frame };
}

test('two reviewers on different instances see each other live, and keep working when one instance dies', async ({ browser }) => {
  test.setTimeout(240_000);
  const { loupe, cluster } = balanced;
  const api = apiFor(loupe);
  const id = await createArtifact(api, { title: 'Split the events table', project: 'platform', html: reviewPage() });

  const adminContext = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORT });
  const noorContext = await browser.newContext({ baseURL: loupe.url, viewport: VIEWPORT });
  try {
    await signInAs(adminContext, loupe, balanced.adminEmail, balanced.adminPassword);
    await publishToOrg(adminContext.request, loupe, id);
    await addMember(adminContext.request, loupe, NOOR);
    await signInAs(noorContext, loupe, NOOR.email, NOOR.password);
    await recordPins(adminContext);
    await recordPins(noorContext);

    const { page: admin, frame: adminFrame } = await open(adminContext, id);
    const { page: noor, frame: noorFrame } = await open(noorContext, id);

    // Round robin put the two browsers' live sockets on both instances: what follows crosses instances.
    await expect.poll(() => balanced.liveConnections().every((count) => count > 0)).toBe(true);

    // Presence: each sees the other.
    await expect(admin.getByTestId('presence-avatar')).toHaveCount(2);
    await expect(admin.getByRole('button', { name: `Follow ${NOOR.name}`, exact: true })).toBeVisible();
    await expect(noor.getByTestId('presence-avatar')).toHaveCount(2);
    await expect(noor.getByRole('button', { name: 'Follow Admin', exact: true })).toBeVisible();

    // A pin: Admin comments on the Rollback paragraph; Noor sees the card and the pin.
    await admin.keyboard.press('c');
    await expect(admin.getByTestId('pick-banner')).toBeVisible();
    await adminFrame.locator('#rollback').click();
    const draft = panel(admin).getByTestId('new-thread');
    await expect(draft).toContainText(ROLLBACK_TEXT);
    // Typing starts once the composer has focus (keys sent before would go to the page).
    await expect(draft.getByRole('textbox', { name: 'New comment' })).toBeFocused();
    await admin.keyboard.type('How long does the old table take writes?');
    await draft.getByRole('button', { name: 'Comment', exact: true }).click();
    const adminCard = card(admin, 'How long does the old table take writes?');
    await expect(adminCard).toBeVisible();
    const threadId = (await adminCard.getAttribute('data-thread-id')) ?? '';
    const noorCard = card(noor, 'How long does the old table take writes?');
    await expect(noorCard).toBeVisible();
    await expect.poll(() => placedPin(noor, threadId)).toMatchObject({ found: true });

    // The agent's edit through the load balancer reaches both pages live.
    await putContent(api, id, reviewPage().replace('<h2>Steps</h2>', '<h2>Steps</h2>\n<p id="agent-1">The agent added a first note.</p>'));
    await expect(adminFrame.locator('#agent-1')).toHaveText('The agent added a first note.');
    await expect(noorFrame.locator('#agent-1')).toHaveText('The agent added a first note.');

    // One instance dies without a word.
    await cluster.kill(0, 'SIGKILL');

    // The agent keeps pushing through nginx (the survivor answers); both pages get it once they have reconnected.
    await putContent(
      api,
      id,
      reviewPage().replace('<h2>Steps</h2>', '<h2>Steps</h2>\n<p id="agent-1">The agent added a first note.</p>\n<p id="agent-2">And a second, after the failover.</p>'),
    );
    await expect(adminFrame.locator('#agent-2')).toHaveText('And a second, after the failover.', { timeout: 30_000 });
    await expect(noorFrame.locator('#agent-2')).toHaveText('And a second, after the failover.', { timeout: 30_000 });

    // Presence comes back, and review keeps working both ways.
    await expect(admin.getByRole('button', { name: `Follow ${NOOR.name}`, exact: true })).toBeVisible({ timeout: 30_000 });
    await expect(noor.getByRole('button', { name: 'Follow Admin', exact: true })).toBeVisible({ timeout: 30_000 });
    await noorCard.getByRole('button', { name: 'Reply to thread 1' }).click();
    await expect(noorCard.getByRole('textbox')).toBeFocused();
    await noor.keyboard.type('Until the cut-over on Thursday.');
    await noorCard.getByRole('button', { name: 'Reply', exact: true }).click();
    await expect(adminCard.getByTestId('comment').nth(1)).toContainText('Until the cut-over on Thursday', { timeout: 30_000 });
    await expect.poll(() => placedPin(admin, threadId)).toMatchObject({ found: true });
  } finally {
    await adminContext.close();
    await noorContext.close();
  }
});
