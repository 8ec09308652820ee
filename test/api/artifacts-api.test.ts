import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLoupe, type TestLoupe } from '../helpers/loupe';

let loupe: TestLoupe;
beforeAll(async () => {
  loupe = await startTestLoupe();
});
afterAll(async () => {
  await loupe.stop();
});

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, code: body.error.code, message: body.error.message };
}

const put = (id: string, body: BodyInit, headers: Record<string, string> = {}, token?: string) =>
  loupe.api(`/api/v1/artifacts/${id}/content`, { method: 'PUT', token, headers: { 'content-type': 'text/html', ...headers }, body });

describe('agent API', () => {
  it('creates, reads, lists and updates an artifact', async () => {
    const res = await loupe.api('/api/v1/artifacts', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Incident 4312', project: 'payments', session: 'run-7', kind: 'incident', html: '<h1>Timeline</h1>' }),
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; url: string; title: string };
    expect(created.url).toBe(`${loupe.server.appOrigin}/a/${created.id}`);
    expect(res.headers.get('location')).toBe(created.url);

    const got = (await (await loupe.api(`/api/v1/artifacts/${created.id}`)).json()) as { title: string; kind: string; sizeBytes: number };
    expect(got).toMatchObject({ title: 'Incident 4312', kind: 'incident', sizeBytes: 17 });

    const updated = await put(created.id, '<h1>Timeline</h1><p>14:02 alert</p>');
    expect(updated.status).toBe(200);
    const etag = updated.headers.get('etag');
    expect(etag).toMatch(/^"\d+"$/);
    const content = await loupe.api(`/api/v1/artifacts/${created.id}/content`);
    expect(content.headers.get('etag')).toBe(etag);
    expect(await content.text()).toBe('<h1>Timeline</h1><p>14:02 alert</p>');

    const list = (await (await loupe.api('/api/v1/artifacts?project=payments')).json()) as { items: Array<{ id: string }> };
    expect(list.items.map((i) => i.id)).toContain(created.id);
  });

  it('pages the list newest first with a cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await loupe.createArtifact(`<p>${i}</p>`));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/v1/artifacts?limit=2&project=tests${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await (await loupe.api(q)).json()) as { items: Array<{ id: string }>; nextCursor: string | null };
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const mine = seen.filter((id) => ids.includes(id));
    expect(mine).toEqual([...ids].reverse());
  });

  it('honours If-Match: a stale ETag gets 412 with the current one, nothing changes', async () => {
    const id = await loupe.createArtifact('<p>v1</p>');
    const first = await put(id, '<p>v2</p>');
    const etag = first.headers.get('etag')!;
    expect((await put(id, '<p>v3</p>', { 'if-match': etag })).status).toBe(200);
    const stale = await put(id, '<p>v4</p>', { 'if-match': etag });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('etag')).not.toBe(etag);
    expect((await errorOf(stale)).code).toBe('precondition_failed');
    expect(await (await loupe.api(`/api/v1/artifacts/${id}/content`)).text()).toBe('<p>v3</p>');
  });

  it('refuses a page over 16 MiB with 413 and keeps the previous content', async () => {
    const id = await loupe.createArtifact('<p>keep me</p>');
    const res = await put(id, 'x'.repeat(16 * 1024 * 1024 + 1));
    const error = await errorOf(res);
    expect(error).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(error.message).toContain('16 MiB');
    expect(await (await loupe.api(`/api/v1/artifacts/${id}/content`)).text()).toBe('<p>keep me</p>');
    // Exactly at the limit is fine.
    expect((await put(id, 'y'.repeat(16 * 1024 * 1024))).status).toBe(200);
  });

  it('answers bad input with clear errors and stores nothing', async () => {
    const id = await loupe.createArtifact('<p>safe</p>');
    expect(await errorOf(await put(id, 'x', { 'content-type': 'application/octet-stream' }))).toMatchObject({ status: 415 });
    expect(await errorOf(await put(id, new Uint8Array([0xff, 0xfe, 0x00])))).toMatchObject({ status: 415 });
    expect(await errorOf(await put(crypto.randomUUID(), '<p>x</p>'))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await errorOf(await put('../../etc/passwd', '<p>x</p>'))).toMatchObject({ status: 404 });
    expect(await errorOf(await put(id, '<p>x</p>', {}, 'nonsense'))).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(await errorOf(await loupe.api(`/api/v1/artifacts/${id}`, { headers: { authorization: '' } }))).toMatchObject({ status: 401 });
    const create = (body: string, type = 'application/json') =>
      loupe.api('/api/v1/artifacts', { method: 'POST', headers: { 'content-type': type }, body });
    expect(await errorOf(await create('{not json'))).toMatchObject({ status: 400, code: 'bad_request' });
    expect(await errorOf(await create('{"title":""}'))).toMatchObject({ status: 400 });
    expect(await errorOf(await create('{"title":"a\\u0000b"}'))).toMatchObject({ status: 400 });
    expect(await errorOf(await create('title=x', 'application/x-www-form-urlencoded'))).toMatchObject({ status: 415 });
    expect(await errorOf(await loupe.api(`/api/v1/artifacts/${id}/content`, { method: 'DELETE' }))).toMatchObject({ status: 405 });
    expect(await (await loupe.api(`/api/v1/artifacts/${id}/content`)).text()).toBe('<p>safe</p>');
  });

  it('hides another organization’s artifact behind the same 404 as a missing one', async () => {
    const id = await loupe.createArtifact('<p>secret</p>');
    const outsider = await loupe.makeToken({ role: 'owner', scopes: ['artifacts:write'], orgId: crypto.randomUUID() });
    const missing = await errorOf(await loupe.api(`/api/v1/artifacts/${crypto.randomUUID()}`, { token: outsider }));
    const foreign = await errorOf(await loupe.api(`/api/v1/artifacts/${id}`, { token: outsider }));
    expect(foreign).toEqual(missing);
    expect((await put(id, '<p>pwned</p>', {}, outsider)).status).toBe(404);
    const list = (await (await loupe.api('/api/v1/artifacts', { token: outsider })).json()) as { items: unknown[] };
    expect(list.items).toEqual([]);
    expect(await (await loupe.api(`/api/v1/artifacts/${id}/content`)).text()).toBe('<p>secret</p>');
  });

  it('ignores mass-assigned fields on create', async () => {
    const res = await loupe.api('/api/v1/artifacts', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        title: 'x', orgId: 'evil', createdBy: 'someone', status: 'published', visibility: 'members', legalHold: true, id: 'mine',
      }),
    });
    const body = (await res.json()) as { id: string; status: string; createdBy: { id: string }; legalHold: boolean };
    expect(body.id).not.toBe('mine');
    const owner = await loupe.store.getUserByEmail('admin@example.com');
    expect(body.createdBy.id).toBe(owner!.id);
    // An agent's artifact is a draft whatever the body says, in the token's org.
    expect(body.status).toBe('draft');
    expect(body.legalHold).toBe(false);
    expect((await loupe.store.getArtifact(body.id))!.orgId).toBe(await loupe.orgId());
  });

  it('lets read-only credentials read but not write', async () => {
    const id = await loupe.createArtifact('<p>r</p>');
    const viewer = await loupe.makeToken({ role: 'viewer', scopes: ['artifacts:write'] });
    expect((await loupe.api(`/api/v1/artifacts/${id}/content`, { token: viewer })).status).toBe(200);
    expect(await errorOf(await put(id, '<p>w</p>', {}, viewer))).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await loupe.api('/api/v1/artifacts', { method: 'POST', token: viewer, headers: { 'content-type': 'application/json' }, body: '{"title":"t"}' })).status).toBe(403);
  });

  it('serves the sandbox frame with a CSP that allows nothing from the network and no cookies', async () => {
    const res = await fetch(`${loupe.server.sandboxOrigin}/frame`, { headers: { cookie: 'a=b' } });
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    for (const directive of ["connect-src 'none'", "form-action 'none'", "base-uri 'none'", "frame-src 'none'", "object-src 'none'", "worker-src 'none'", `frame-ancestors ${loupe.server.appOrigin}`]) {
      expect(csp).toContain(directive);
    }
    expect(res.headers.get('set-cookie')).toBeNull();
    expect((await fetch(`${loupe.server.sandboxOrigin}/anything`)).status).toBe(404);
  });
});
