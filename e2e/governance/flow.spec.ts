import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { apiFor, createArtifact, expect, signInAs, startLoupe, test } from '../fixtures/server';

/**
 * The governance story in one run, as people live it: an admin invites a
 * member; an agent's draft is invisible to them until the admin publishes
 * it; removing the member cuts their open page off within 5 seconds; the
 * audit log shows each step; `loupe audit verify` passes, and fails once a
 * row is altered in the database.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function auditVerify(dataDir: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/loupe.mjs', 'audit', 'verify', '--data-dir', dataDir], { cwd: ROOT }, (error, stdout, stderr) => {
      const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
      resolve({ code, output: stdout + stderr });
    });
  });
}

test('invite, publish, remove, audit, verify', async ({ browser }) => {
  test.setTimeout(300_000);
  // Its own server: this story ends by tampering with the audit log, which no other spec should inherit.
  const { loupe, stop } = await startLoupe();
  const api = apiFor(loupe);
  const adminContext = await browser.newContext({ baseURL: loupe.url });
  const page = await adminContext.newPage();
  try {
    await signInAs(page, loupe);
    await story();
  } finally {
    await adminContext.close();
    await stop();
  }

  async function story() {
    // 1. The admin invites a member from Settings → Members.
    await page.goto('/settings/members');
    await page.getByLabel('Role', { exact: true }).selectOption('member');
    await page.getByRole('button', { name: 'Create invitation link' }).click();
    const link = await page.getByRole('textbox', { name: 'Invitation link' }).inputValue();

    const memberContext = await browser.newContext({ baseURL: loupe.url });
    try {
      const member = await memberContext.newPage();
      await member.goto(link);
      await member.getByLabel('Your name').fill('Margaret Hamilton');
      await member.getByLabel('Email').fill('margaret@loupe.test');
      await member.getByLabel('Password').fill('apollo guidance computer');
      await member.getByRole('button', { name: 'Create account and join' }).click();
      await expect(member.getByRole('heading', { name: 'Artifacts', level: 1 })).toBeVisible();

      // 2. An agent publishes a draft: the member cannot see it, in the gallery or by its link.
      const title = 'Postmortem: payment retries';
      const id = await createArtifact(api, { title, html: '<!doctype html><h1 id="headline">Payment retries</h1>' });
      await member.reload();
      await expect(member.getByRole('heading', { name: 'Artifacts', level: 1 })).toBeVisible();
      await expect(member.getByText(title)).toHaveCount(0);
      const hidden = await member.goto(`/a/${id}`);
      expect(hidden?.status()).toBe(404);

      // 3. A person (the admin) publishes it; now the member sees it live.
      await page.goto(`/a/${id}`);
      await expect(page.getByTestId('access-chip')).toHaveText('Draft');
      await page.getByRole('button', { name: 'Publish' }).click();
      const dialog = page.getByRole('dialog', { name: 'Publish this draft' });
      await dialog.getByRole('radio', { name: /^Everyone in / }).check();
      await dialog.getByRole('button', { name: 'Publish' }).click();
      await expect(page.getByTestId('access-chip')).toHaveText('Organization');

      const shown = await member.goto(`/a/${id}`);
      expect(shown?.status()).toBe(200);
      await expect(member.frameLocator('iframe').locator('#headline')).toHaveText('Payment retries');
      // Proof the live connection is up: an agent's edit arrives without a reload.
      const put = await api(`/api/v1/artifacts/${id}/content`, {
        method: 'PUT',
        headers: { 'content-type': 'text/html' },
        body: '<!doctype html><h1 id="headline">Payment retries: root cause found</h1>',
      });
      expect(put.status).toBe(200);
      await expect(member.frameLocator('iframe').locator('#headline')).toHaveText('Payment retries: root cause found');

      // 4. The admin removes the member; their open page loses its live connection within 5 seconds.
      await page.goto('/settings/members');
      await page.getByRole('button', { name: 'Remove Margaret Hamilton' }).click();
      const confirm = page.getByRole('alertdialog', { name: 'Remove Margaret Hamilton?' });
      const removedAt = Date.now();
      await confirm.getByRole('button', { name: 'Remove member' }).click();
      await expect(member.getByRole('alert').filter({ hasText: 'your access to this artifact was revoked' })).toBeVisible({ timeout: 5_000 });
      expect(Date.now() - removedAt).toBeLessThan(5_000);
      // And nothing more reaches them.
      expect((await memberContext.request.get(`${loupe.url}/api/v1/me`)).status()).toBe(401);

      // 5. The audit log shows each step.
      await page.goto('/audit');
      await expect(page.getByTestId('chain-badge')).toContainText(/Chain verified/);
      const actions = async () => page.getByTestId('audit-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action')));
      await expect
        .poll(actions)
        .toEqual(expect.arrayContaining(['member.invite', 'member.join', 'artifact.create', 'artifact.publish', 'artifact.view', 'member.remove']));
      const removal = page.getByTestId('audit-row').and(page.locator('[data-action="member.remove"]'));
      await expect(removal).toContainText('Margaret Hamilton');
    } finally {
      await memberContext.close();
    }

    // 6. `loupe audit verify` passes; alter one row in the database and it names that entry.
    const clean = await auditVerify(loupe.dataDir);
    expect(clean.code, clean.output).toBe(0);
    expect(clean.output).toMatch(/^ok /m);
    const db = new Database(join(loupe.dataDir, 'loupe.db'));
    try {
      db.exec('DROP TRIGGER audit_log_no_update');
      db.prepare("UPDATE audit_log SET actor_name = 'Someone else' WHERE action = 'artifact.publish'").run();
    } finally {
      db.close();
    }
    const tampered = await auditVerify(loupe.dataDir);
    expect(tampered.code, tampered.output).toBe(1);
    expect(tampered.output).toMatch(/BROKEN .*entry #\d+ was altered/);
  }
});
