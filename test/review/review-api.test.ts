import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createAnchor } from '../../lib/review/anchor';
import { REVIEW_DOC, type ReviewSummary, type ThreadView, type ThreadWithStateView } from '../../lib/review/types';
import { connectClient, startTestLoupe, whenSynced, type TestClient, type TestLoupe } from '../helpers/loupe';

const PAGE = [
  '<!doctype html><html><head><title>Incident 42</title></head><body>',
  '<h1>Incident 42</h1>',
  '<p id="cause">The cache stampede started at 09:14.</p>',
  '<p id="fix">We added request coalescing.</p>',
  '<ul><li>Alert fired</li><li>Rolled back</li></ul>',
  '</body></html>',
].join('\n');

/** Waits for a condition the product promises will become true (no fixed sleeps). */
async function until<T>(read: () => T | Promise<T>, accept: (value: T) => boolean, what: string, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms (last: ${JSON.stringify(value)?.slice(0, 300)})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const paragraph = (text: string) => ({ v: 1, blocks: [{ t: 'p', children: [{ t: 'text', text }] }] });

describe('review layer', () => {
  let loupe: TestLoupe;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let aliceId: string;
  let bobId: string;
  let viewer: Record<string, string>;
  const clients: TestClient[] = [];

  const as = (headers: Record<string, string>, path: string, init: RequestInit & { json?: unknown } = {}) =>
    fetch(loupe.url + path, {
      ...init,
      body: init.json === undefined ? init.body : JSON.stringify(init.json),
      headers: { ...headers, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
    });
  const agent = (path: string, init: RequestInit & { json?: unknown } = {}) =>
    loupe.api(path, {
      ...init,
      body: init.json === undefined ? init.body : JSON.stringify(init.json),
      headers: init.json !== undefined ? { 'content-type': 'application/json' } : (init.headers as Record<string, string>),
    });
  const putPage = async (id: string, html: string) => {
    const res = await loupe.api(`/api/v1/artifacts/${id}/content`, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: html });
    expect(res.status).toBe(200);
  };
  const connect = (room: string, token?: string) => {
    const client = connectClient(loupe, room, token);
    clients.push(client);
    return client;
  };
  const threadsIn = (client: TestClient) => Array.from(client.doc.getMap<ThreadView>(REVIEW_DOC.threads).values());
  const summaryIn = (client: TestClient) => client.doc.getMap<ReviewSummary>(REVIEW_DOC.summary).get('status');

  /** An element anchor made the way the app makes one: from a client's synced copy of the page. */
  async function anchorOn(id: string, target: { tag: string; ordinal: number; quote: string; kind?: 'element' | 'text'; prefix?: string; suffix?: string }) {
    const content = connect(id);
    await whenSynced(content);
    const anchor = createAnchor(content.text, {
      kind: target.kind ?? 'element',
      tag: target.tag,
      ordinal: target.ordinal,
      selector: `${target.tag}:nth-of-type(${target.ordinal + 1})`,
      quote: target.quote,
      prefix: target.prefix ?? '',
      suffix: target.suffix ?? '',
    });
    content.destroy();
    return anchor;
  }

  beforeAll(async () => {
    loupe = await startTestLoupe();
    aliceId = await loupe.makeUser({ role: 'member', name: 'Alice' });
    bobId = await loupe.makeUser({ role: 'member', name: 'Bob' });
    alice = await loupe.sessionHeaders(aliceId);
    bob = await loupe.sessionHeaders(bobId);
    viewer = await loupe.sessionHeaders(await loupe.makeUser({ role: 'viewer', name: 'Vic' }));
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await loupe.stop();
  });

  it('a thread, its reply and its resolution reach a y-websocket client of the review room live', async () => {
    const id = await loupe.createArtifact(PAGE);
    const watcher = connect(`${id}/review`);
    await whenSynced(watcher);
    expect(threadsIn(watcher)).toEqual([]);

    const created = await as(alice, `/api/v1/artifacts/${id}/threads`, { method: 'POST', json: { body: paragraph('Is 09:14 UTC?') } });
    expect(created.status).toBe(201);
    const thread = (await created.json()) as ThreadWithStateView;
    expect(thread.anchor).toBeNull();
    expect(thread.comments[0].text).toBe('Is 09:14 UTC?');
    expect(thread.comments[0].author).toMatchObject({ kind: 'user', id: aliceId, name: 'Alice' });
    await until(() => threadsIn(watcher), (t) => t.length === 1, 'thread in the review room');

    const replied = await agent(`/api/v1/artifacts/${id}/threads/${thread.id}/replies`, { method: 'POST', json: { text: 'Yes, **UTC**.' } });
    expect(replied.status).toBe(201);
    await until(() => threadsIn(watcher)[0]?.comments.length, (n) => n === 2, 'reply in the review room');
    const reply = threadsIn(watcher)[0].comments[1];
    expect(reply.author.kind).toBe('agent');
    expect(reply.body.blocks[0]).toMatchObject({ t: 'p' });

    const resolved = await as(bob, `/api/v1/artifacts/${id}/threads/${thread.id}`, { method: 'PATCH', json: { status: 'resolved' } });
    expect(resolved.status).toBe(200);
    await until(() => threadsIn(watcher)[0]?.status, (s) => s === 'resolved', 'resolution in the review room');
    expect(threadsIn(watcher)[0].resolved?.by.name).toBe('Bob');

    const open = (await (await agent(`/api/v1/artifacts/${id}/threads`)).json()) as { items: unknown[] };
    expect(open.items).toHaveLength(0);
    const all = (await (await agent(`/api/v1/artifacts/${id}/threads?status=all`)).json()) as { items: unknown[] };
    expect(all.items).toHaveLength(1);
  });

  it('the review room is read-only for clients: a forged thread never reaches anyone', async () => {
    const id = await loupe.createArtifact(PAGE);
    const forger = connect(`${id}/review`);
    await whenSynced(forger);
    forger.doc.getMap(REVIEW_DOC.threads).set('forged', { id: 'forged', comments: [] });
    // A real thread afterwards proves the room is live; the forged one must not be in it.
    await as(alice, `/api/v1/artifacts/${id}/threads`, { method: 'POST', json: { body: paragraph('real') } });
    const fresh = connect(`${id}/review`);
    await whenSynced(fresh);
    await until(() => threadsIn(fresh).length, (n) => n === 1, 'the real thread');
    expect(threadsIn(fresh).map((t) => t.id)).not.toContain('forged');
  });

  it('a pin survives edits elsewhere, says "changed" when its element changes, and goes outdated when it is deleted', async () => {
    const id = await loupe.createArtifact(PAGE);
    const anchor = await anchorOn(id, { tag: 'p', ordinal: 1, quote: 'We added request coalescing.' });
    expect(anchor.start).not.toBeNull();
    const created = await as(alice, `/api/v1/artifacts/${id}/threads`, { method: 'POST', json: { anchor, body: paragraph('Which service?') } });
    expect(created.status).toBe(201);
    const thread = (await created.json()) as ThreadWithStateView;
    expect(thread.anchorState).toBe('ok');
    expect(thread.anchor?.source).toBe('<p id="fix">We added request coalescing.</p>');
    const stateOf = async () =>
      ((await (await agent(`/api/v1/artifacts/${id}/threads/${thread.id}`)).json()) as ThreadWithStateView).anchorState;

    await putPage(id, PAGE.replace('<h1>Incident 42</h1>', '<h1>Incident 42</h1>\n<p>Timeline below.</p>\n<p>Owner: SRE</p>'));
    expect(await stateOf()).toBe('ok');

    await putPage(id, PAGE.replace('<h1>Incident 42</h1>', '<h1>Incident 42</h1>\n<p>Timeline below.</p>\n<p>Owner: SRE</p>').replace('request coalescing', 'request coalescing in the API gateway'));
    expect(await stateOf()).toBe('changed');

    await putPage(id, PAGE.replace('<p id="fix">We added request coalescing.</p>\n', ''));
    expect(await stateOf()).toBe('outdated');
    // The outdated thread keeps its quote for the panel and the agent.
    const outdated = (await (await agent(`/api/v1/artifacts/${id}/threads/${thread.id}`)).json()) as ThreadWithStateView;
    expect(outdated.anchor?.quote).toBe('We added request coalescing.');
  });

  it('refuses bad input with a clear error and stores nothing', async () => {
    const id = await loupe.createArtifact(PAGE);
    const post = (headers: Record<string, string>, json: unknown) => as(headers, `/api/v1/artifacts/${id}/threads`, { method: 'POST', json });
    const expectError = async (res: Response, status: number, code: string) => {
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(5);
    };
    await expectError(await post(alice, { body: paragraph('x'.repeat(20_000)) }), 400, 'bad_request');
    await expectError(await post(alice, { body: { v: 1, blocks: [{ t: 'script', text: 'alert(1)' }] } }), 400, 'bad_request');
    await expectError(await post(alice, { body: paragraph('') }), 400, 'bad_request');
    await expectError(
      await post(alice, { anchor: { kind: 'element', start: 'AAAA', end: 'AAAA', tag: 'p', ordinal: 0, selector: 'p', quote: 'x', prefix: '', suffix: '' }, body: paragraph('hi') }),
      400,
      'bad_request',
    );
    const otherDoc = new Y.Doc();
    otherDoc.getText('html').insert(0, '<p>elsewhere</p>');
    const foreign = createAnchor(otherDoc.getText('html'), { kind: 'element', tag: 'p', ordinal: 0, selector: 'p', quote: 'elsewhere', prefix: '', suffix: '' });
    await expectError(await post(alice, { anchor: foreign, body: paragraph('hi') }), 400, 'bad_request');
    await expectError(await post(viewer, { body: paragraph('viewers read') }), 403, 'forbidden');
    // A cookie without our Origin is a cross-site request.
    await expectError(await as({ cookie: alice.cookie }, `/api/v1/artifacts/${id}/threads`, { method: 'POST', json: { body: paragraph('no origin') } }), 403, 'forbidden');

    const other = await loupe.makeUser({ role: 'admin', orgId: 'other-org-review' });
    await expectError(await post(await loupe.sessionHeaders(other), { body: paragraph('cross-org') }), 404, 'not_found');

    const threads = (await (await agent(`/api/v1/artifacts/${id}/threads?status=all`)).json()) as { items: unknown[] };
    expect(threads.items).toHaveLength(0);

    const ok = (await (await post(alice, { body: paragraph('fine') })).json()) as ThreadWithStateView;
    const comment = ok.comments[0].id;
    await expectError(await as(bob, `/api/v1/artifacts/${id}/comments/${comment}/reactions/lol`, { method: 'PUT' }), 400, 'bad_request');
    await expectError(await as(bob, `/api/v1/artifacts/${id}/comments/${comment}/reactions/${'%3Cscript%3E'}`, { method: 'PUT' }), 400, 'bad_request');
    await expectError(await as(bob, `/api/v1/artifacts/${id}/comments/${comment}`, { method: 'PATCH', json: { body: paragraph('not mine') } }), 403, 'forbidden');
    await expectError(await agent(`/api/v1/artifacts/${id}/threads/${ok.id}`, { method: 'PATCH', json: { status: 'resolved' } }), 403, 'forbidden');
    await expectError(await agent(`/api/v1/artifacts/${id}/reviews`, { method: 'POST', json: { verdict: 'approve' } }), 403, 'forbidden');
    await expectError(await as(alice, `/api/v1/artifacts/${id}/reviews`, { method: 'POST', json: { verdict: 'request_changes' } }), 400, 'bad_request');
    await expectError(await as(alice, `/api/v1/artifacts/${id}/reviews`, { method: 'POST', json: { verdict: 'comment', summary: '   ' } }), 400, 'bad_request');
    await expectError(await as(alice, `/api/v1/artifacts/${id}/threads/not-a-uuid/replies`, { method: 'POST', json: { text: 'x' } }), 404, 'not_found');
  });

  it('many writes to one thread at once leave the room exactly as the tables say', async () => {
    const id = await loupe.createArtifact(PAGE);
    const watcher = connect(`${id}/review`);
    await whenSynced(watcher);
    const thread = (await (await as(alice, `/api/v1/artifacts/${id}/threads`, { method: 'POST', json: { text: 'Race me' } })).json()) as ThreadWithStateView;
    const replies = await Promise.all(
      Array.from({ length: 24 }, (_, i) => (i % 2 ? agent : (path: string, init: RequestInit & { json?: unknown }) => as(bob, path, init))(`/api/v1/artifacts/${id}/threads/${thread.id}/replies`, { method: 'POST', json: { text: `reply ${i}` } })),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(24).fill(201));
    const settled = await until(() => threadsIn(watcher).find((t) => t.id === thread.id)?.comments.length, (n) => n === 25, 'all replies in the room');
    expect(settled).toBe(25);
    // Once every answer is in, the room holds what the API returns.
    const fromApi = (await (await agent(`/api/v1/artifacts/${id}/threads/${thread.id}`)).json()) as ThreadWithStateView;
    expect(threadsIn(watcher).find((t) => t.id === thread.id)?.comments.map((c) => c.id)).toEqual(fromApi.comments.map((c) => c.id));
  });

  it('edits keep history, reactions toggle per person, deletes leave a tombstone or remove a lone thread', async () => {
    const id = await loupe.createArtifact(PAGE);
    const thread = (await (await as(alice, `/api/v1/artifacts/${id}/threads`, { method: 'POST', json: { body: paragraph('first draft') } })).json()) as ThreadWithStateView;
    const first = thread.comments[0].id;
    const edited = await as(alice, `/api/v1/artifacts/${id}/comments/${first}`, { method: 'PATCH', json: { body: paragraph('second draft') } });
    expect(edited.status).toBe(200);
    const afterEdit = (await edited.json()) as ThreadWithStateView;
    expect(afterEdit.comments[0]).toMatchObject({ text: 'second draft', edits: 1 });
    expect(afterEdit.comments[0].editedAt).not.toBeNull();
    const history = (await (await as(bob, `/api/v1/artifacts/${id}/comments/${first}/history`)).json()) as { revisions: Array<{ text: string }> };
    expect(history.revisions.map((r) => r.text)).toEqual(['first draft']);

    await as(bob, `/api/v1/artifacts/${id}/comments/${first}/reactions/%2B1`, { method: 'PUT' });
    await as(bob, `/api/v1/artifacts/${id}/comments/${first}/reactions/%2B1`, { method: 'PUT' });
    const reacted = (await (await as(alice, `/api/v1/artifacts/${id}/comments/${first}/reactions/rocket`, { method: 'PUT' })).json()) as ThreadWithStateView;
    expect(reacted.comments[0].reactions).toEqual([
      { key: '+1', by: [{ id: bobId, name: 'Bob' }] },
      { key: 'rocket', by: [{ id: aliceId, name: 'Alice' }] },
    ]);
    const unreacted = (await (await as(bob, `/api/v1/artifacts/${id}/comments/${first}/reactions/%2B1`, { method: 'DELETE' })).json()) as ThreadWithStateView;
    expect(unreacted.comments[0].reactions.map((r) => r.key)).toEqual(['rocket']);

    const replied = (await (await as(bob, `/api/v1/artifacts/${id}/threads/${thread.id}/replies`, { method: 'POST', json: { text: 'reply' } })).json()) as ThreadWithStateView;
    const del = await as(alice, `/api/v1/artifacts/${id}/comments/${first}`, { method: 'DELETE' });
    expect(await del.json()).toEqual({ deleted: true, threadDeleted: false });
    const after = (await (await agent(`/api/v1/artifacts/${id}/threads/${thread.id}`)).json()) as ThreadWithStateView;
    expect(after.comments[0]).toMatchObject({ deleted: true, text: '' });
    expect(after.comments[1].text).toBe('reply');

    const lone = (await (await as(bob, `/api/v1/artifacts/${id}/threads`, { method: 'POST', json: { text: 'oops' } })).json()) as ThreadWithStateView;
    const gone = await as(bob, `/api/v1/artifacts/${id}/comments/${lone.comments[0].id}`, { method: 'DELETE' });
    expect(await gone.json()).toEqual({ deleted: true, threadDeleted: true });
    expect((await agent(`/api/v1/artifacts/${id}/threads/${lone.id}`)).status).toBe(404);
    expect(replied.comments).toHaveLength(2);
  });

  it('approvals count on the latest version, go stale when the page changes, and requests for changes block hand-off', async () => {
    const id = await loupe.createArtifact(PAGE);
    const watcher = connect(`${id}/review`);
    await whenSynced(watcher);
    const approve = await as(alice, `/api/v1/artifacts/${id}/reviews`, { method: 'POST', json: { verdict: 'approve', summary: 'LGTM' } });
    expect(approve.status).toBe(201);
    const approved = (await approve.json()) as { review: { version: number }; summary: ReviewSummary };
    expect(approved.summary).toMatchObject({ state: 'approved', readyForHandoff: true, latestVersion: approved.review.version });
    await until(() => summaryIn(watcher)?.readyForHandoff, (ready) => ready === true, 'ready for hand-off in the room');

    await putPage(id, PAGE.replace('09:14', '09:12'));
    const checkpoint = await agent(`/api/v1/artifacts/${id}/versions`, { method: 'POST', json: { message: 'fix time' } });
    expect(checkpoint.status).toBe(201);
    const stale = await until(() => summaryIn(watcher), (s) => s?.staleApprovals.length === 1, 'stale approval in the room');
    expect(stale).toMatchObject({ state: 'pending', readyForHandoff: false, approvals: [] });
    expect(stale?.staleApprovals[0].reviewer.name).toBe('Alice');

    await as(bob, `/api/v1/artifacts/${id}/reviews`, { method: 'POST', json: { verdict: 'request_changes', summary: 'Timeline is missing' } });
    await as(alice, `/api/v1/artifacts/${id}/reviews`, { method: 'POST', json: { verdict: 'approve' } });
    const blocked = (await (await agent(`/api/v1/artifacts/${id}/reviews`)).json()) as { summary: ReviewSummary };
    expect(blocked.summary).toMatchObject({ state: 'changes_requested', readyForHandoff: false });
    expect(blocked.summary.approvals).toHaveLength(1);

    await as(bob, `/api/v1/artifacts/${id}/reviews`, { method: 'POST', json: { verdict: 'approve' } });
    await until(() => summaryIn(watcher), (s) => s?.readyForHandoff === true && s.approvals.length === 2, 'ready again');

    // The admin raises the bar: the open page's summary says so at once, and again when it is lowered.
    const admin = await loupe.sessionHeaders(await loupe.userOfToken(loupe.token));
    try {
      expect((await as(admin, '/api/v1/org', { method: 'PATCH', json: { requiredApprovals: 3 } })).status).toBe(200);
      await until(() => summaryIn(watcher), (s) => s?.requiredApprovals === 3 && s.readyForHandoff === false, 'three approvals required, live');
    } finally {
      expect((await as(admin, '/api/v1/org', { method: 'PATCH', json: { requiredApprovals: 1 } })).status).toBe(200);
    }
    await until(() => summaryIn(watcher), (s) => s?.requiredApprovals === 1 && s.readyForHandoff === true, 'one approval required again, live');
  });

  it('shows emails only to roles that may see them, and a mention of someone unmentionable reads like an unknown handle', async () => {
    const visible = await loupe.createArtifact(PAGE);
    const hiddenId = await loupe.makeUser({ role: 'member', name: 'Hidden Hannah' });
    const hiddenEmail = (await loupe.store.getUser(hiddenId))!.email;
    const aliceEmail = (await loupe.store.getUser(aliceId))!.email;
    const unscoped = await loupe.makeToken({ role: 'member', scopes: [] });
    const commenter = await loupe.makeToken({ role: 'member', scopes: ['comments:write'] });
    // Shared with Alice and the commenting agent's person only: Hannah is a member of the org who cannot see it.
    const id = await loupe.createArtifact(PAGE);
    const owner = await loupe.sessionHeaders(await loupe.userOfToken(loupe.token));
    const shared = { visibility: 'members', members: [aliceId, await loupe.userOfToken(commenter)] };
    expect((await as(owner, `/api/v1/artifacts/${id}/access`, { method: 'PUT', json: shared })).status).toBe(200);

    type Mentionable = { kind: string; id: string; name: string; email: string | null };
    const mentionables = async (res: Response) => {
      expect(res.status).toBe(200);
      return ((await res.json()) as { items: Mentionable[] }).items;
    };
    const viewerId = await loupe.makeUser({ role: 'viewer', name: 'Vera Viewer' });
    // Viewers, and agent tokens with or without scopes: names, never emails (as GET /org/members).
    for (const [who, res] of [
      ['viewer', await as(await loupe.sessionHeaders(viewerId), `/api/v1/artifacts/${visible}/mentionables`)],
      ['agent without scopes', await loupe.api(`/api/v1/artifacts/${visible}/mentionables`, { token: unscoped })],
      ['agent with comments:write', await loupe.api(`/api/v1/artifacts/${visible}/mentionables`, { token: commenter })],
    ] as const) {
      const items = await mentionables(res);
      expect(items.find((m) => m.id === aliceId), who).toMatchObject({ name: 'Alice', email: null });
      for (const item of items) expect(item.email, `${who}: ${item.name}`).toBeNull();
    }
    // Members see emails there, as in GET /org/members.
    const asMember = await mentionables(await as(bob, `/api/v1/artifacts/${visible}/mentionables`));
    expect(asMember.find((m) => m.id === aliceId)).toMatchObject({ email: aliceEmail });
    const members = (await (await as(bob, '/api/v1/org/members')).json()) as { items: Array<{ userId: string; email: string | null }> };
    expect(members.items.find((m) => m.userId === aliceId)!.email).toBe(aliceEmail);

    // The neighbouring door: a comments:write token probing who is a member, and whose address is whose.
    const post = async (json: unknown) => {
      const res = await loupe.api(`/api/v1/artifacts/${id}/threads`, { token: commenter, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
      expect(res.status).toBe(201);
      return ((await res.json()) as ThreadWithStateView).comments[0];
    };
    const mentionOf = (userId: string) => ({ v: 1, blocks: [{ t: 'p', children: [{ t: 'text', text: 'ping ' }, { t: 'mention', kind: 'user', id: userId, name: 'Someone' }] }] });
    const member = await post({ body: mentionOf(hiddenId) });
    const stranger = await post({ body: mentionOf(crypto.randomUUID()) });
    // A member who cannot see the page and someone who does not exist read the same: plain text, nobody mentioned.
    expect({ body: member.body, text: member.text, mentions: member.mentions }).toEqual({
      body: { v: 1, blocks: [{ t: 'p', children: [{ t: 'text', text: 'ping @Someone' }] }] },
      text: 'ping @Someone',
      mentions: [],
    });
    expect({ body: stranger.body, text: stranger.text, mentions: stranger.mentions }).toEqual({ body: member.body, text: member.text, mentions: member.mentions });
    // By handle: an email resolves only for callers who may see emails; to a token every address is text.
    const byEmail = await post({ text: `ping @${hiddenEmail} @${aliceEmail} @nobody@example.com` });
    expect(byEmail.mentions).toEqual([]);
    expect(byEmail.text).toBe(`ping @${hiddenEmail} @${aliceEmail} @nobody@example.com`);
    // Names it was shown still work.
    expect((await post({ text: 'ping @Alice' })).mentions).toEqual([aliceId]);
    // A person who may see emails may mention by email; Hannah still cannot be (she cannot see the page).
    const fromMember = await as(alice, `/api/v1/artifacts/${id}/threads`, { method: 'POST', json: { text: `@${aliceEmail} and @${hiddenEmail}` } });
    expect(fromMember.status).toBe(201);
    expect(((await fromMember.json()) as ThreadWithStateView).comments[0].mentions).toEqual([aliceId]);
    // Nobody who cannot see the page was notified.
    const hannahInbox = (await (await as(await loupe.sessionHeaders(hiddenId), '/api/v1/inbox')).json()) as { items: unknown[] };
    expect(hannahInbox.items).toEqual([]);
  });

  it('mentions and replies reach the inbox, live over the event stream, and can be marked read', async () => {
    const id = await loupe.createArtifact(PAGE);
    const events = await fetch(`${loupe.url}/api/v1/inbox/events`, { headers: alice });
    expect(events.headers.get('content-type')).toContain('text/event-stream');
    const reader = events.body!.getReader();
    let received = '';
    const nextUnread = async () => {
      for (;;) {
        const match = /event: unread\ndata: (\{[^\n]*\})\n\n/.exec(received);
        if (match) {
          received = received.slice(match.index + match[0].length);
          return (JSON.parse(match[1]) as { unread: number }).unread;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        received += new TextDecoder().decode(value);
      }
    };
    const start = await nextUnread();

    const mention = { v: 1, blocks: [{ t: 'p', children: [{ t: 'text', text: 'Can you check, ' }, { t: 'mention', kind: 'user', id: aliceId, name: 'Spoofed' }] }] };
    const thread = (await (await as(bob, `/api/v1/artifacts/${id}/threads`, { method: 'POST', json: { body: mention } })).json()) as ThreadWithStateView;
    expect(thread.comments[0].text).toContain('@Alice');
    expect(await nextUnread()).toBe(start + 1);

    const inbox = (await (await as(alice, '/api/v1/inbox?filter=unread')).json()) as { items: Array<{ id: string; kind: string; excerpt: string; actor: { name: string } }>; unread: number };
    expect(inbox.items[0]).toMatchObject({ kind: 'mention', actor: { name: 'Bob' } });
    expect(inbox.items[0].excerpt).toContain('Can you check');

    await as(alice, `/api/v1/artifacts/${id}/threads/${thread.id}/replies`, { method: 'POST', json: { text: 'On it' } });
    const bobInbox = (await (await as(bob, '/api/v1/inbox')).json()) as { items: Array<{ kind: string }> };
    expect(bobInbox.items[0].kind).toBe('reply');

    const read = await as(alice, '/api/v1/inbox/read', { method: 'POST', json: { all: true } });
    expect(((await read.json()) as { unread: number }).unread).toBe(0);
    expect(await nextUnread()).toBe(0);
    await reader.cancel();
  });

  it('the agent reads open threads and marks one addressed in a version', async () => {
    const id = await loupe.createArtifact(PAGE);
    const thread = (await (await as(alice, `/api/v1/artifacts/${id}/threads`, { method: 'POST', json: { text: '@agent please add the timeline' } })).json()) as ThreadWithStateView;
    const listed = (await (await agent(`/api/v1/artifacts/${id}/threads`)).json()) as { items: ThreadWithStateView[] };
    expect(listed.items[0]).toMatchObject({ id: thread.id, mentionsAgent: true, status: 'open' });

    await putPage(id, PAGE.replace('</ul>', '</ul>\n<h2>Timeline</h2>'));
    const addressed = await agent(`/api/v1/artifacts/${id}/threads/${thread.id}/addressed`, { method: 'POST', json: { note: 'Added a timeline section' } });
    expect(addressed.status).toBe(200);
    const view = (await addressed.json()) as ThreadWithStateView;
    expect(view.addressed).toMatchObject({ note: 'Added a timeline section', by: { kind: 'agent' } });
    expect(view.status).toBe('open');
    const versions = (await (await agent(`/api/v1/artifacts/${id}/versions`)).json()) as { items: Array<{ n: number }> };
    expect(view.addressed?.version).toBe(versions.items[0].n);
    const aliceInbox = (await (await as(alice, '/api/v1/inbox')).json()) as { items: Array<{ kind: string; version: number | null }> };
    expect(aliceInbox.items[0]).toMatchObject({ kind: 'addressed', version: view.addressed?.version });
  });

  it('the person who runs the agent hears when it replies to them or addresses their thread', async () => {
    const id = await loupe.createArtifact(PAGE);
    const owner = await loupe.sessionHeaders(await loupe.userOfToken(loupe.token));
    const thread = (await (await as(owner, `/api/v1/artifacts/${id}/threads`, { method: 'POST', json: { text: 'Where is the rollback?' } })).json()) as ThreadWithStateView;
    expect((await agent(`/api/v1/artifacts/${id}/threads/${thread.id}/replies`, { method: 'POST', json: { text: 'Adding it now.' } })).status).toBe(201);
    expect((await agent(`/api/v1/artifacts/${id}/threads/${thread.id}/addressed`, { method: 'POST', json: { note: 'Rollback section added' } })).status).toBe(200);
    const inbox = (await (await as(owner, '/api/v1/inbox')).json()) as { items: Array<{ kind: string; threadId: string; actor: { kind: string } }> };
    const mine = inbox.items.filter((item) => item.threadId === thread.id);
    expect(mine.map((item) => item.kind).sort()).toEqual(['addressed', 'reply']);
    expect(mine.every((item) => item.actor.kind === 'agent')).toBe(true);
    // A person still never hears of their own comment.
    await as(owner, `/api/v1/artifacts/${id}/threads/${thread.id}/replies`, { method: 'POST', json: { text: 'Thanks.' } });
    const after = (await (await as(owner, '/api/v1/inbox')).json()) as { items: Array<{ threadId: string }> };
    expect(after.items.filter((item) => item.threadId === thread.id)).toHaveLength(2);
  });

  it('notes are written by members and only read by viewers', async () => {
    const id = await loupe.createArtifact(PAGE);
    const memberToken = await loupe.makeToken({ role: 'member', scopes: ['comments:write'] });
    const viewerToken = await loupe.makeToken({ role: 'viewer', scopes: ['comments:write'] });
    const writer = connect(`${id}/notes`, memberToken);
    const reader = connect(`${id}/notes`, viewerToken);
    await Promise.all([whenSynced(writer), whenSynced(reader)]);
    // Text in the root XmlText, where @lexical/yjs keeps the note (the room refuses other roots).
    const notesOf = (client: TestClient) => client.doc.get('root', Y.XmlText);
    notesOf(writer).insert(0, 'Hand-off: rollback done');
    notesOf(reader).insert(0, 'viewer scribble ');
    await until(() => notesOf(reader).toString(), (t) => t.includes('Hand-off'), 'notes reach the viewer');
    const fresh = connect(`${id}/notes`, memberToken);
    await whenSynced(fresh);
    await until(() => notesOf(fresh).toString(), (t) => t === 'Hand-off: rollback done', 'only the member’s words are stored');
  });

  it('an agent streaming over HTTP is present in the review room while its stream is open', { timeout: 15_000 }, async () => {
    const id = await loupe.createArtifact(PAGE);
    const watcher = connect(`${id}/review`);
    await whenSynced(watcher);
    const agentsHere = () =>
      Array.from(watcher.provider.awareness.getStates().values()).filter(
        (s) => (s as { user?: { kind?: string } }).user?.kind === 'agent' && (s as { streaming?: boolean }).streaming === true,
      );
    let push!: (chunk: string) => void;
    let end!: () => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (chunk) => controller.enqueue(new TextEncoder().encode(chunk));
        end = () => controller.close();
      },
    });
    const streaming = loupe.api(`/api/v1/artifacts/${id}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'text/html' },
      body,
      duplex: 'half',
    } as RequestInit);
    push('<p>live');
    await until(agentsHere, (agents) => agents.length === 1, 'the agent appears');
    push(' words</p>');
    end();
    expect((await streaming).status).toBe(200);
    await until(agentsHere, (agents) => agents.length === 0, 'the agent leaves once its stream ends');
  });
});
