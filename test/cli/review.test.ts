import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnchor } from '../../lib/review/anchor';
import type { AnchorInput, ThreadWithStateView } from '../../lib/review/types';
import { connectClient, startTestLoupe, whenSynced, type TestLoupe } from '../helpers/loupe';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const PAGE = [
  '<!doctype html><html><head><title>Incident 42</title></head><body>',
  '<h1>Incident 42</h1>',
  '<p id="cause">The cache stampede started at 09:14.</p>',
  '<p id="fix">We added request coalescing.</p>',
  '</body></html>',
].join('\n');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

// Each test starts several `loupe` processes (Node + tsx, about a second each, more on a busy machine).
describe('the review loop from the CLI', { timeout: 60_000 }, () => {
  let loupe: TestLoupe;
  let cwd: string;
  let reviewer: Record<string, string>;

  /** Runs `loupe …` the way a person or an agent would: a child process with LOUPE_URL and LOUPE_TOKEN. */
  const run = (args: string[], stdin?: string) =>
    new Promise<CliResult>((resolve) => {
      const child = execFile(
        process.execPath,
        [join(ROOT, 'bin/loupe.mjs'), ...args],
        { cwd, env: { ...process.env, LOUPE_URL: loupe.url, LOUPE_TOKEN: loupe.token } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin?.end(stdin ?? '');
    });

  /** A person's request (cookie session), as the app sends it. */
  const asReviewer = (path: string, init: { method?: string; json?: unknown } = {}) =>
    fetch(loupe.url + path, {
      method: init.method ?? 'GET',
      headers: { ...reviewer, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
    });

  const openThread = async (id: string, text: string, anchor: AnchorInput | null = null): Promise<ThreadWithStateView> => {
    const res = await asReviewer(`/api/v1/artifacts/${id}/threads`, { method: 'POST', json: { text, anchor } });
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as ThreadWithStateView;
  };

  const threadOf = async (id: string, threadId: string): Promise<ThreadWithStateView> => {
    const res = await loupe.api(`/api/v1/artifacts/${id}/threads/${threadId}`);
    expect(res.status).toBe(200);
    return (await res.json()) as ThreadWithStateView;
  };

  /** Cuts a named version of the page as it stands and returns its number. */
  const checkpoint = async (id: string, message: string): Promise<number> => {
    const res = await loupe.api(`/api/v1/artifacts/${id}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message }),
    });
    expect([200, 201]).toContain(res.status);
    return ((await res.json()) as { n: number }).n;
  };

  const putPage = async (id: string, html: string) => {
    const res = await loupe.api(`/api/v1/artifacts/${id}/content`, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: html });
    expect(res.status).toBe(200);
  };

  /** An anchor on an element, made the way the app makes one: from a synced copy of the server's page. */
  async function anchorOnParagraph(id: string, ordinal: number, quote: string): Promise<AnchorInput> {
    const content = connectClient(loupe, id);
    try {
      await whenSynced(content);
      return createAnchor(content.text, { kind: 'element', tag: 'p', ordinal, selector: `p:nth-of-type(${ordinal + 1})`, quote, prefix: '', suffix: '' });
    } finally {
      content.destroy();
    }
  }

  beforeAll(async () => {
    loupe = await startTestLoupe();
    cwd = mkdtempSync(join(tmpdir(), 'loupe-cli-review-'));
    reviewer = await loupe.sessionHeaders(await loupe.makeUser({ role: 'member', name: 'Alice Reviewer' }));
  });

  afterAll(async () => {
    rmSync(cwd, { recursive: true, force: true });
    await loupe?.stop();
  });

  it('lists open threads with their anchor, version and comments, and shows OUTDATED once the pinned element is gone', async () => {
    const id = await loupe.createArtifact(PAGE);
    const version = await checkpoint(id, 'first draft');
    const pinned = await openThread(id, 'The alert fired at **09:12**, not 09:14.', await anchorOnParagraph(id, 0, 'The cache stampede started at 09:14.'));
    const whole = await openThread(id, 'Add a timeline of the rollback, please.');
    expect(pinned.anchorState).toBe('ok');

    const listed = await run(['comments', id]);
    expect(listed.code, listed.stderr).toBe(0);
    const blockOf = (out: string, threadId: string) => out.split('\n\n').find((block) => block.startsWith(threadId.slice(0, 8))) ?? '';
    const pinnedBlock = blockOf(listed.stdout, pinned.id);
    const wholeBlock = blockOf(listed.stdout, whole.id);
    expect(listed.stdout).toMatch(/^2 open threads on "Test page"$/m);
    expect(pinnedBlock).toMatch(new RegExp(`^${pinned.id.slice(0, 8)} · open · anchor ok · written on v${version}$`, 'm'));
    expect(pinnedBlock).toContain('on <p>: “The cache stampede started at 09:14.”');
    expect(pinnedBlock).toMatch(/^ {2}Alice Reviewer · \d{4}-\d\d-\d\d \d\d:\d\d UTC$/m);
    // The agent reads plain text: the markdown's emphasis is gone, the words are not.
    expect(pinnedBlock).toMatch(/^ {4}The alert fired at 09:12, not 09:14\.$/m);
    expect(wholeBlock).toMatch(new RegExp(`^${whole.id.slice(0, 8)} · open · whole page`, 'm'));
    expect(wholeBlock).not.toContain('on <');
    expect(listed.stdout).toContain(`loupe reply ${id} <id>`);

    // The agent rewrites the page without that paragraph: the thread's anchor is now outdated.
    await putPage(id, PAGE.replace('<p id="cause">The cache stampede started at 09:14.</p>\n', ''));
    const after = await run(['comments', id]);
    expect(after.code, after.stderr).toBe(0);
    expect(blockOf(after.stdout, pinned.id)).toMatch(new RegExp(`^${pinned.id.slice(0, 8)} · open · OUTDATED · written on v${version}$`, 'm'));
    // What the thread was about is still there for the agent to read.
    expect(blockOf(after.stdout, pinned.id)).toContain('source then: <p id="cause">The cache stampede started at 09:14.</p>');

    const json = await run(['comments', id, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const { items } = JSON.parse(json.stdout) as { items: ThreadWithStateView[] };
    expect(new Map(items.map((t) => [t.id, t.anchorState]))).toEqual(
      new Map([
        [pinned.id, 'outdated'],
        [whole.id, null],
      ]),
    );
    expect(items.find((t) => t.id === pinned.id)!.comments[0]).toMatchObject({ author: { kind: 'user', name: 'Alice Reviewer' }, text: 'The alert fired at 09:12, not 09:14.' });
  });

  it('keeps where in the element the reviewer pointed and what they picked, through the API, the CLI and the export', async () => {
    const id = await loupe.createArtifact(PAGE);
    const base = await anchorOnParagraph(id, 1, 'We added request coalescing.');
    // Out of the element's box, or not a pair of numbers: refused, nothing stored.
    for (const point of [{ x: 1.5, y: 0.2 }, { x: -0.1, y: 0.2 }, { x: 0.5 }, { x: '0.5', y: 0.5 }]) {
      const res = await asReviewer(`/api/v1/artifacts/${id}/threads`, { method: 'POST', json: { text: 'x', anchor: { ...base, point } } });
      expect(res.status, JSON.stringify(point)).toBe(400);
    }
    const tooLong = await asReviewer(`/api/v1/artifacts/${id}/threads`, { method: 'POST', json: { text: 'x', anchor: { ...base, name: 'n'.repeat(201) } } });
    expect(tooLong.status).toBe(400);

    const pinned = await openThread(id, 'Which requests?', { ...base, point: { x: 0.4213, y: 0.75 }, name: '“We added request coalescing.” in Incident 42' });
    expect(pinned.anchor).toMatchObject({ point: { x: 0.4213, y: 0.75 }, name: '“We added request coalescing.” in Incident 42', tag: 'p' });
    expect((await threadOf(id, pinned.id)).anchor?.point).toEqual({ x: 0.4213, y: 0.75 });
    // An anchor without a point (as every one written before points) still works.
    const older = await openThread(id, 'Older kind of pin.', base);
    expect(older.anchor?.point).toBeUndefined();
    expect(older.anchorState).toBe('ok');

    const listed = await run(['comments', id]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('on “We added request coalescing.” in Incident 42 (<p> at 42%, 75%)');
    expect(listed.stdout).toContain('on <p>: “We added request coalescing.”');
    const json = await run(['comments', id, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const threads = JSON.parse(json.stdout) as { items?: ThreadWithStateView[] } | ThreadWithStateView[];
    const items = Array.isArray(threads) ? threads : (threads.items ?? []);
    expect(items.find((t) => t.id === pinned.id)?.anchor?.point).toEqual({ x: 0.4213, y: 0.75 });

    // The compliance export carries it too.
    const admin = await loupe.sessionHeaders(await loupe.makeUser({ role: 'admin' }));
    const exported = await fetch(`${loupe.url}/api/v1/artifacts/${id}/export`, { headers: admin });
    expect(exported.status).toBe(200);
    const zip = Buffer.from(await exported.arrayBuffer());
    const manifest = zip.toString('utf8');
    expect(manifest).toContain('"x": 0.4213');
    expect(manifest).toContain('“We added request coalescing.” in Incident 42');
  });

  it('replies by a short id, from arguments or stdin, as the agent', async () => {
    const id = await loupe.createArtifact(PAGE);
    const thread = await openThread(id, 'Which dashboard shows this?');

    const replied = await run(['reply', id, thread.id.slice(0, 8), 'The', '**latency**', 'panel.']);
    expect(replied.code, replied.stderr).toBe(0);
    expect(replied.stdout).toBe(`Replied on thread ${thread.id.slice(0, 8)}.\n`);

    const piped = await run(['reply', id, thread.id.slice(0, 5), '-'], 'Also:\n\n- p99 latency\n- error rate\n');
    expect(piped.code, piped.stderr).toBe(0);

    const after = await threadOf(id, thread.id);
    expect(after.comments.map((c) => [c.author.kind, c.text])).toEqual([
      ['user', 'Which dashboard shows this?'],
      ['agent', 'The latency panel.'],
      ['agent', 'Also:\n- p99 latency\n- error rate'],
    ]);
    expect(after.status).toBe('open');
    expect(after.addressed).toBeNull();

    // Replies show indented under the thread's first comment.
    const listed = await run(['comments', id]);
    expect(listed.stdout).toMatch(/^ {4}↳ .+ · \d{4}-\d\d-\d\d \d\d:\d\d UTC$/m);
    expect(listed.stdout).toMatch(/^ {8}The latency panel\.$/m);
  });

  it('reply --addressed replies, then marks the thread addressed in the current version; it stays open for the reviewer', async () => {
    const id = await loupe.createArtifact(PAGE);
    const thread = await openThread(id, 'The fix paragraph should name the PR.');
    await putPage(id, PAGE.replace('request coalescing.', 'request coalescing (PR #812).'));

    const done = await run(['reply', id, thread.id.slice(0, 8), 'Named', 'it.', '--addressed', '--note', 'PR linked']);
    expect(done.code, done.stderr).toBe(0);
    const after = await threadOf(id, thread.id);
    expect(after.comments.at(-1)).toMatchObject({ author: { kind: 'agent' }, text: 'Named it.' });
    expect(after.addressed).toMatchObject({ by: { kind: 'agent' }, note: 'PR linked' });
    const version = after.addressed!.version;
    expect(version).toBeGreaterThanOrEqual(1);
    expect(done.stdout).toContain(`Marked thread ${thread.id.slice(0, 8)} addressed in v${version}; a reviewer confirms by resolving it.`);
    expect(after.status).toBe('open');

    const listed = await run(['comments', id]);
    expect(listed.stdout).toMatch(new RegExp(`^ {2}addressed in v${version} by .+: PR linked$`, 'm'));

    // The reviewer resolves it: it leaves the open list and shows under --resolved.
    expect((await asReviewer(`/api/v1/artifacts/${id}/threads/${thread.id}`, { method: 'PATCH', json: { status: 'resolved' } })).status).toBe(200);
    expect((await run(['comments', id])).stdout).toBe('No open threads on "Test page".\n');
    const resolved = await run(['comments', id, '--resolved']);
    expect(resolved.stdout).toMatch(new RegExp(`^${thread.id.slice(0, 8)} · resolved · whole page`, 'm'));
    expect(resolved.stdout).toMatch(/^ {2}resolved by Alice Reviewer, /m);
  });

  it('address marks a thread addressed in a given version, and refuses one that does not exist', async () => {
    const id = await loupe.createArtifact(PAGE);
    const thread = await openThread(id, 'Typo in the heading.');
    const n = await checkpoint(id, 'first');

    const addressed = await run(['address', id, thread.id, '--version', String(n), '--note', 'Fixed the typo']);
    expect(addressed.code, addressed.stderr).toBe(0);
    expect(addressed.stdout).toBe(`Marked thread ${thread.id.slice(0, 8)} addressed in v${n}; a reviewer confirms by resolving it.\n`);
    expect((await threadOf(id, thread.id)).addressed).toMatchObject({ version: n, note: 'Fixed the typo' });

    const [missing, badFlag] = await Promise.all([
      run(['address', id, thread.id.slice(0, 8), '--version', '99']),
      run(['address', id, thread.id.slice(0, 8), '--version', 'latest']),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('loupe: Version 99 does not exist. (400 bad_request)\n');

    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--version needs a version number');
  });

  it('names a prefix that matches several threads, and says when a thread or artifact is not there', async () => {
    const id = await loupe.createArtifact(PAGE);
    // Seventeen ids cannot all start with different hex digits: open threads until two share one.
    const ids: string[] = [];
    let shared: string | undefined;
    while (!shared) {
      ids.push((await openThread(id, `Point ${ids.length + 1}`)).id);
      const first = ids.at(-1)![0];
      if (ids.slice(0, -1).some((other) => other[0] === first)) shared = first;
    }
    const matching = ids.filter((other) => other[0] === shared);

    const ambiguous = await run(['reply', id, shared, 'Which one?']);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain(`"${shared}" matches ${matching.length} threads; give more of the id:`);
    for (const full of matching) expect(ambiguous.stderr).toContain(full);
    // Nothing was posted anywhere.
    for (const full of matching) expect((await threadOf(id, full)).comments).toHaveLength(1);

    let unmatched = 'abcdef';
    while (ids.some((other) => other.startsWith(unmatched))) unmatched = randomUUID().slice(0, 6);
    const [noPrefix, noThread, noArtifact] = await Promise.all([
      run(['reply', id, unmatched, 'Hello']),
      run(['address', id, randomUUID()]),
      run(['comments', randomUUID()]),
    ]);
    expect(noPrefix.code).toBe(1);
    expect(noPrefix.stderr).toBe(`loupe: No thread on this artifact has an id starting with "${unmatched}".\n`);
    expect(noThread.code).toBe(1);
    expect(noThread.stderr).toBe('loupe: No such thread on this artifact. (404 not_found)\n');
    expect(noArtifact.code).toBe(1);
    expect(noArtifact.stderr).toMatch(/\(404 not_found\)\n$/);
  });

  it('finds the artifact by URL or by the file pushed from this folder, and opens whole-page threads', async () => {
    writeFileSync(join(cwd, 'report.html'), PAGE);
    const pushed = await run(['push', 'report.html', '--title', 'Pushed report']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const url = pushed.stdout.trim();

    const opened = await run(['comment', 'report.html', 'Ready', 'for', 'review.']);
    expect(opened.code, opened.stderr).toBe(0);
    const [, short] = /^Opened thread ([0-9a-f]{8}) on the whole page\.$/m.exec(opened.stdout) ?? [];
    expect(short).toBeDefined();

    const byUrl = await run(['comments', url]);
    expect(byUrl.code, byUrl.stderr).toBe(0);
    expect(byUrl.stdout).toMatch(/^1 open thread on "Pushed report"$/m);
    expect(byUrl.stdout).toMatch(new RegExp(`^${short} · open · whole page`, 'm'));
    expect(byUrl.stdout).toMatch(/^ {4}Ready for review\.$/m);
  });

  it('refuses calls that make no sense before touching the server', async () => {
    const id = randomUUID();
    // Independent invocations: run them side by side.
    const [both, noteAlone, empty, noArtifact] = await Promise.all([
      run(['comments', id, '--all', '--resolved']),
      run(['reply', id, 'abcd', 'text', '--note', 'x']),
      run(['reply', id, 'abcd', '-'], '  \n'),
      run(['comments']),
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('pass --all or --resolved, not both');
    expect(noteAlone.code).toBe(2);
    expect(noteAlone.stderr).toContain('--version and --note go with --addressed');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('the reply is empty');
    expect(noArtifact.code).toBe(2);
    expect(noArtifact.stderr).toContain('comments needs an artifact');
  });
});
