import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { computeTextDelta } from '../../lib/artifact/text-delta';
import { applyDelta, composeDeltas, computeLineDelta, decodeVersion, encodeVersion } from '../../lib/versions/codec';
import { rawSql, startTestLoupe, type TestLoupe } from '../helpers/loupe';

/** A small deterministic generator, so a failure reproduces. */
function random(seed: number) {
  let state = seed;
  return (n: number) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
}

const PIECES = ['<p>', '</p>', 'alpha ', 'beta ', 'γδ ', '😀', '\n', '<li>item</li>', 'lorem ipsum '];

function mutate(rnd: (n: number) => number, text: string): string {
  let out = text;
  for (let k = 0, m = 1 + rnd(4); k < m; k++) {
    const pos = rnd(out.length + 1);
    if (rnd(2)) out = out.slice(0, pos) + PIECES[rnd(PIECES.length)].repeat(1 + rnd(3)) + out.slice(pos);
    else out = out.slice(0, pos) + out.slice(Math.min(out.length, pos + rnd(30)));
  }
  return out;
}

describe('version codec', () => {
  it('composes two deltas into one that does the same', () => {
    const rnd = random(11);
    for (let trial = 0; trial < 300; trial++) {
      const a = mutate(rnd, 'hello world '.repeat(rnd(30)));
      const b = mutate(rnd, a);
      const c = mutate(rnd, b);
      const ab = computeTextDelta(a, b);
      const bc = computeTextDelta(b, c);
      expect(applyDelta(a, ab)).toBe(b);
      expect(applyDelta(a, composeDeltas(ab, bc))).toBe(c);
      expect(applyDelta(a, computeLineDelta(a, c))).toBe(c);
      expect(applyDelta(a, composeDeltas(computeLineDelta(a, b), computeLineDelta(b, c)))).toBe(c);
    }
  });

  it('reads every version of a long chain back exactly, across keyframes', () => {
    const rnd = random(5);
    let page = '<main>\n' + '<p>start</p>\n'.repeat(200);
    const pages: string[] = [];
    const stored: Array<{ keyframe: boolean; data: Uint8Array }> = [];
    let previous: { page: string; deltaBytesSinceKeyframe: number; deltasSinceKeyframe: number } | null = null;
    for (let i = 0; i < 400; i++) {
      page = mutate(rnd, page);
      pages.push(page);
      const { stored: s } = encodeVersion(previous, page);
      stored.push(s);
      previous = s.keyframe
        ? { page, deltaBytesSinceKeyframe: 0, deltasSinceKeyframe: 0 }
        : { page, deltaBytesSinceKeyframe: previous!.deltaBytesSinceKeyframe + s.data.byteLength, deltasSinceKeyframe: previous!.deltasSinceKeyframe + 1 };
    }
    expect(stored.filter((s) => s.keyframe).length).toBeGreaterThan(0);
    for (let n = 0; n < pages.length; n++) {
      let k = n;
      while (!stored[k].keyframe) k--;
      expect(decodeVersion(stored[k].data, stored.slice(k + 1, n + 1).map((s) => s.data))).toBe(pages[n]);
    }
  });
});

describe('versions through the API', () => {
  let loupe: TestLoupe;
  let editor: Record<string, string>;

  const put = async (id: string, html: string) => {
    const res = await loupe.api(`/api/v1/artifacts/${id}/content`, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: html });
    expect(res.status).toBe(200);
    return res.headers.get('etag')!;
  };
  const checkpoint = (id: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    loupe.api(`/api/v1/artifacts/${id}/versions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const content = async (id: string, n: number) => {
    const res = await loupe.api(`/api/v1/artifacts/${id}/versions/${n}/content`);
    expect(res.status).toBe(200);
    return res.text();
  };
  const live = async (id: string) => (await loupe.api(`/api/v1/artifacts/${id}/content`)).text();

  beforeAll(async () => {
    loupe = await startTestLoupe({ env: { VERSION_QUIET_MS: '300' } });
    editor = await loupe.sessionHeaders(await loupe.userOfToken(loupe.token));
  });
  afterAll(async () => {
    await loupe.stop();
  });

  it('cuts, lists, reads and restores versions, with If-Match and no duplicates', async () => {
    const id = await loupe.createArtifact('<h1>v1</h1>');
    const first = await checkpoint(id, { message: 'first draft', commitSha: 'abc1234', session: 'run-1' });
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ n: 1, kind: 'named', message: 'first draft', commitSha: 'abc1234', author: { kind: 'agent' } });
    // Nothing changed: the existing version, not a duplicate.
    const again = await checkpoint(id, { message: 'again' });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { n: number }).n).toBe(1);

    const etag = await put(id, '<h1>v2</h1><p>more</p>');
    expect((await checkpoint(id, { message: 'second' }, { 'if-match': '"1"' })).status).toBe(412);
    expect((await checkpoint(id, { message: 'second' }, { 'if-match': etag })).status).toBe(201);
    await put(id, '<h1>v3</h1><p>more</p><p>and more</p>');
    expect((await checkpoint(id, { message: 'third' })).status).toBe(201);

    const list = (await (await loupe.api(`/api/v1/artifacts/${id}/versions`)).json()) as { items: Array<{ n: number; changeBytes: number }> };
    expect(list.items.map((v) => v.n)).toEqual([3, 2, 1]);
    expect(list.items[0].changeBytes).toBeGreaterThan(0);
    expect(await content(id, 1)).toBe('<h1>v1</h1>');
    expect(await content(id, 2)).toBe('<h1>v2</h1><p>more</p>');
    expect(await (await loupe.api(`/api/v1/artifacts/${id}/versions/2`)).json()).toMatchObject({ n: 2, message: 'second', html: '<h1>v2</h1><p>more</p>' });
    expect((await loupe.api(`/api/v1/artifacts/${id}/versions/9`)).status).toBe(404);
    expect((await loupe.api(`/api/v1/artifacts/${id}/versions/nope/content`)).status).toBe(404);

    // Restore over a stale If-Match: 412 with the current ETag, nothing changed.
    const stale = await loupe.api(`/api/v1/artifacts/${id}/versions/1/restore`, { method: 'POST', headers: { 'if-match': '"1"' } });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('etag')).toBeTruthy();
    expect(await live(id)).toBe('<h1>v3</h1><p>more</p><p>and more</p>');

    const restored = await fetch(`${loupe.url}/api/v1/artifacts/${id}/versions/1/restore`, { method: 'POST', headers: editor });
    expect(restored.status).toBe(201);
    expect(await restored.json()).toMatchObject({ n: 4, kind: 'restore', restoredFrom: 1, message: 'Restored from v1', author: { kind: 'user' } });
    expect(await live(id)).toBe('<h1>v1</h1>');
    expect(await content(id, 3)).toBe('<h1>v3</h1><p>more</p><p>and more</p>');
    const audit = await loupe.store.listAudit({ orgId: await loupe.orgId(), action: 'version.restore', limit: 5 });
    expect(audit[0]).toMatchObject({ artifactId: id, details: { from: 1, version: 4 } });
  });

  it('takes only an http(s) prUrl (400 naming the field, nothing stored) and never hands out another scheme stored before', async () => {
    const id = await loupe.createArtifact('<p>linked</p>');
    const hostile = [
      'javascript:alert(document.cookie)',
      'JavaScript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      'mailto:someone@example.com',
      'ftp://example.com/pr/1',
      ' javascript:alert(1)',
      'https://github.com/o/r/pull/1\u001b[2J',
      'https://github.com/o/r/pull/\u202e1',
      '/relative/pull/1',
      'https://' + 'a'.repeat(600) + '.example/pull/1',
    ];
    for (const prUrl of hostile) {
      const res = await checkpoint(id, { message: 'hostile link', prUrl });
      expect(res.status, prUrl).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('bad_request');
      expect(body.error.message).toMatch(/^prUrl: /);
    }
    expect(await loupe.store.listVersions(id)).toHaveLength(0);

    const ok = await checkpoint(id, { message: 'linked', prUrl: 'https://github.com/acme/site/pull/42' });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ n: 1, prUrl: 'https://github.com/acme/site/pull/42' });

    // A row stored before the rule: the API gives it no link.
    await rawSql(loupe, 'UPDATE versions SET pr_url = ? WHERE artifact_id = ? AND n = 1', ['javascript:alert(1)', id]);
    const listed = (await (await loupe.api(`/api/v1/artifacts/${id}/versions`)).json()) as { items: Array<{ n: number; prUrl: string | null }> };
    expect(listed.items).toMatchObject([{ n: 1, prUrl: null }]);
    expect(await (await loupe.api(`/api/v1/artifacts/${id}/versions/1`)).json()).toMatchObject({ n: 1, prUrl: null });
  });

  it('lets readers read versions but not cut or restore them; other orgs see nothing', async () => {
    const id = await loupe.createArtifact('<p>guarded</p>');
    expect((await checkpoint(id, { message: 'v1' })).status).toBe(201);
    const viewer = await loupe.makeToken({ role: 'viewer', scopes: ['artifacts:write'] });
    const outsider = await loupe.makeToken({ role: 'owner', scopes: ['artifacts:write'], orgId: crypto.randomUUID() });
    const as = (token: string, path: string, method = 'GET') => loupe.api(path, { token, method });
    expect((await as(viewer, `/api/v1/artifacts/${id}/versions`)).status).toBe(200);
    expect((await as(viewer, `/api/v1/artifacts/${id}/versions/1/content`)).status).toBe(200);
    expect((await as(viewer, `/api/v1/artifacts/${id}/versions`, 'POST')).status).toBe(403);
    expect((await as(viewer, `/api/v1/artifacts/${id}/versions/1/restore`, 'POST')).status).toBe(403);
    for (const path of [`/api/v1/artifacts/${id}/versions`, `/api/v1/artifacts/${id}/versions/1`, `/api/v1/artifacts/${id}/versions/1/content`]) {
      expect((await as(outsider, path)).status).toBe(404);
    }
    expect((await as(outsider, `/api/v1/artifacts/${id}/versions/1/restore`, 'POST')).status).toBe(404);
    expect((await fetch(`${loupe.url}/api/v1/artifacts/${id}/versions`)).status).toBe(401);
    expect(await loupe.store.listVersions(id)).toHaveLength(1);
  });

  it('cuts one automatic version when a stream of writes goes quiet', async () => {
    const id = await loupe.createArtifact('<p>0</p>');
    for (let i = 1; i <= 10; i++) await put(id, `<p>${i}</p>`);
    await vi.waitFor(
      async () => {
        const list = (await (await loupe.api(`/api/v1/artifacts/${id}/versions`)).json()) as { items: Array<{ kind: string }> };
        expect(list.items.map((v) => v.kind)).toEqual(['auto']);
      },
      { timeout: 5_000, interval: 100 },
    );
    expect(await content(id, 1)).toBe('<p>10</p>');
  });

  it('keeps every version byte-identical through random edits, checkpoints, restores and a restart', async () => {
    const rnd = random(42);
    const id = await loupe.createArtifact('<main></main>');
    const expected = new Map<number, string>();
    let page = '<main></main>';
    for (let step = 0; step < 60; step++) {
      const choice = rnd(10);
      if (choice < 6) {
        page = mutate(rnd, page);
        await put(id, page);
      } else if (choice < 9) {
        const res = await checkpoint(id, { message: `step ${step}` });
        const version = (await res.json()) as { n: number };
        if (res.status === 201) expected.set(version.n, page);
      } else if (expected.size > 0) {
        const ns = Array.from(expected.keys());
        const target = ns[rnd(ns.length)];
        const res = await loupe.api(`/api/v1/artifacts/${id}/versions/${target}/restore`, { method: 'POST' });
        expect(res.status).toBe(201);
        page = expected.get(target)!;
        expected.set(((await res.json()) as { n: number }).n, page);
      }
    }
    for (const [n, text] of expected) expect(await content(id, n)).toBe(text);
    // Restart on the same data: every version reads back the same.
    const dataDir = loupe.dataDir;
    await loupe.server.stop();
    const again = await startTestLoupe({ dataDir });
    try {
      for (const [n, text] of expected) {
        const res = await again.api(`/api/v1/artifacts/${id}/versions/${n}/content`);
        expect(await res.text()).toBe(text);
      }
    } finally {
      await again.stop();
      loupe = await startTestLoupe({ env: { VERSION_QUIET_MS: '300' } });
    }
  });

  it('retention drops versions older than the period and every newer one still reads back', async () => {
    const { runRetentionSweep } = await import('../../server/governance/retention');
    const id = await loupe.createArtifact('<p>one</p>\n');
    const pages = ['<p>one</p>\n', '<p>one</p>\n<p>two</p>\n', '<p>one</p>\n<p>two</p>\n<p>three</p>\n'];
    for (const [i, page] of pages.entries()) {
      if (i > 0) await put(id, page);
      await checkpoint(id, { message: `old ${i}` });
    }
    const services = loupe.server.services;
    const realNow = services.now;
    const later = Date.now() + 40 * 24 * 3600 * 1000;
    services.now = () => later;
    const admin = await loupe.sessionHeaders(await loupe.userOfToken(loupe.token));
    try {
      await put(id, '<p>four</p>\n');
      await checkpoint(id, { message: 'new 4' });
      await put(id, '<p>four</p>\n<p>five</p>\n');
      await checkpoint(id, { message: 'new 5' });
      // The page itself was edited "now" (40 days on): it stays; only its old versions go.
      await loupe.store.touchArtifact(id, { updatedAt: later });
      await fetch(`${loupe.url}/api/v1/org`, { method: 'PATCH', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ retentionDays: 30 }) });
      await runRetentionSweep(services);
    } finally {
      services.now = realNow;
      await fetch(`${loupe.url}/api/v1/org`, { method: 'PATCH', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ retentionDays: null }) });
    }
    expect((await loupe.store.listVersions(id)).map((v) => v.n)).toEqual([5, 4]);
    expect((await loupe.api(`/api/v1/artifacts/${id}/versions/1/content`)).status).toBe(404);
    expect(await content(id, 4)).toBe('<p>four</p>\n');
    expect(await content(id, 5)).toBe('<p>four</p>\n<p>five</p>\n');
    const purges = await loupe.store.listAudit({ orgId: await loupe.orgId(), action: 'artifact.purge', artifactId: id, limit: 5 });
    expect(purges[0].details).toMatchObject({ versionsPurged: 3, keptFrom: 4 });
  });

  it('stores a version in about the bytes that changed', async () => {
    const base = Array.from({ length: 2000 }, (_, i) => `<p id="p${i}">Paragraph ${i}: ${'x'.repeat(40)}</p>\n`).join('');
    const id = await loupe.createArtifact(base);
    await checkpoint(id, { message: 'base' });
    let page = base;
    for (let i = 0; i < 20; i++) {
      page = page.replace(`Paragraph ${i * 7}:`, `Paragraph ${i * 7} (edited ${i}):`);
      await put(id, page);
      await checkpoint(id, { message: `edit ${i}` });
    }
    const versions = await loupe.store.listVersions(id);
    expect(versions).toHaveLength(21);
    // Every version after the first costs a small delta, not another copy of the ~110 KB page.
    const chain = await loupe.store.readVersionChain(id, 21);
    expect(chain!.deltas.length).toBe(20);
    expect(Math.max(...chain!.deltas.map((d) => d.byteLength))).toBeLessThan(200);
  });
});

describe('versions from the CLI', () => {
  it('push --checkpoint, checkpoint and restore', async () => {
    const { execFile } = await import('node:child_process');
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { fileURLToPath } = await import('node:url');
    const root = fileURLToPath(new URL('../..', import.meta.url));
    // Each CLI start takes seconds on a busy machine: an automatic version must not slip in between the steps.
    const loupe = await startTestLoupe({ env: { VERSION_QUIET_MS: '600000' } });
    const cwd = mkdtempSync(join(tmpdir(), 'loupe-cli-'));
    const run = (...args: string[]) =>
      new Promise<{ code: number; out: string }>((resolve) => {
        execFile(process.execPath, [join(root, 'bin/loupe.mjs'), ...args], { cwd, env: { ...process.env, LOUPE_URL: loupe.url, LOUPE_TOKEN: loupe.token } }, (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
        );
      });
    try {
      writeFileSync(join(cwd, 'report.html'), '<h1>one</h1>');
      const pushed = await run('push', 'report.html', '--title', 'CLI versions', '--checkpoint', '-m', 'first');
      expect(pushed.code, pushed.out).toBe(0);
      expect(pushed.out).toMatch(/^v1 first$/m);
      writeFileSync(join(cwd, 'report.html'), '<h1>two</h1>');
      expect((await run('push', 'report.html')).code).toBe(0);
      const cut = await run('checkpoint', '-m', 'second', '--commit', 'deadbeef');
      expect(cut.out).toMatch(/^v2 second$/m);
      const restored = await run('restore', '1', 'report.html');
      expect(restored.code, restored.out).toBe(0);
      expect(restored.out).toMatch(/^v3 restored from v1$/m);
      const bad = await run('restore', 'x');
      expect(bad.code).toBe(2);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
      await loupe.stop();
    }
  });
});

describe('new since you last looked', () => {
  it('keeps the highest version each person has seen, never lowering it', async () => {
    const loupe = await startTestLoupe();
    try {
      const id = await loupe.createArtifact('<p>a</p>');
      for (const html of ['<p>a</p>', '<p>b</p>', '<p>c</p>']) {
        await loupe.api(`/api/v1/artifacts/${id}/content`, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: html });
        await loupe.api(`/api/v1/artifacts/${id}/versions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      }
      const alice = await loupe.sessionHeaders(await loupe.makeUser({ role: 'member' }));
      const bob = await loupe.sessionHeaders(await loupe.makeUser({ role: 'viewer' }));
      const seen = (who: Record<string, string>) => fetch(`${loupe.url}/api/v1/artifacts/${id}/seen`, { headers: who }).then((r) => r.json());
      const mark = (who: Record<string, string>, n: number) =>
        fetch(`${loupe.url}/api/v1/artifacts/${id}/seen`, { method: 'PUT', headers: { ...who, 'content-type': 'application/json' }, body: JSON.stringify({ n }) });
      expect(await seen(alice)).toEqual({ lastSeen: null });
      expect((await mark(alice, 2)).status).toBe(200);
      expect((await mark(alice, 1)).status).toBe(200);
      expect(await seen(alice)).toEqual({ lastSeen: 2 });
      expect(await seen(bob)).toEqual({ lastSeen: null });
      expect((await mark(bob, 9)).status).toBe(400);
      expect((await loupe.api(`/api/v1/artifacts/${id}/seen`)).status).toBe(403);
    } finally {
      await loupe.stop();
    }
  });
});
