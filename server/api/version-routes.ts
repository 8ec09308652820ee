import type { Services } from '../services';
import { authenticate } from './guard';
import { parseIfMatch, readJson, sendBody, sendJson } from './http';
import { checkResponseRoom } from '../limits/response-budget';
import { getVisibleArtifact } from '../artifacts/artifact-view';
import type { Router } from './router';
import { checkpoint, getSeen, getVersion, getVersionContent, listVersions, markSeen, restoreVersion, versionView } from '../versions/versions';

const MAX_BODY = 64 * 1024;

/** Versions: checkpoint, list, read, restore (thin handlers over server/versions). */
export function addVersionRoutes(router: Router, services: Services): Router {
  return router
    .on('GET', '/api/v1/artifacts/:id/versions', async (ctx) => {
      const { principal } = await authenticate(services, ctx);
      const named = ctx.url.searchParams.get('named');
      sendJson(ctx.res, 200, await listVersions(services, principal, ctx.params.id, named === '1' || named === 'true'));
    })
    .on('POST', '/api/v1/artifacts/:id/versions', async (ctx) => {
      const { principal } = await authenticate(services, ctx);
      const hasBody = Number(ctx.req.headers['content-length'] ?? 0) > 0 || Boolean(ctx.req.headers['transfer-encoding']);
      const raw = hasBody ? await readJson(ctx.req, MAX_BODY) : {};
      const { version, created } = await checkpoint(services, principal, ctx.params.id, raw, parseIfMatch(ctx.req.headers['if-match']));
      sendJson(ctx.res, created ? 201 : 200, versionView(version));
    })
    .on('GET', '/api/v1/artifacts/:id/seen', async (ctx) => {
      const { principal } = await authenticate(services, ctx);
      sendJson(ctx.res, 200, await getSeen(services, principal, ctx.params.id));
    })
    .on('PUT', '/api/v1/artifacts/:id/seen', async (ctx) => {
      const { principal } = await authenticate(services, ctx);
      sendJson(ctx.res, 200, await markSeen(services, principal, ctx.params.id, await readJson(ctx.req, MAX_BODY)));
    })
    .on('GET', '/api/v1/artifacts/:id/versions/:n', async (ctx) => {
      const { principal } = await authenticate(services, ctx);
      sendJson(ctx.res, 200, await getVersion(services, principal, ctx.params.id, ctx.params.n));
    })
    .on('GET', '/api/v1/artifacts/:id/versions/:n/content', async (ctx) => {
      const { principal } = await authenticate(services, ctx);
      // Refused before the version is read when a page of today's size could not be sent anyway.
      checkResponseRoom(ctx.res, (await getVisibleArtifact(services, principal, ctx.params.id)).sizeBytes);
      const body = Buffer.from(await getVersionContent(services, principal, ctx.params.id, ctx.params.n));
      // A version never changes.
      const headers = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'private, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' };
      sendBody(ctx.res, 200, headers, body, ctx.req.method === 'HEAD');
    })
    .on('POST', '/api/v1/artifacts/:id/versions/:n/restore', async (ctx) => {
      const { principal, meta } = await authenticate(services, ctx);
      const version = await restoreVersion(services, principal, ctx.params.id, ctx.params.n, parseIfMatch(ctx.req.headers['if-match']), meta);
      sendJson(ctx.res, 201, version);
    });
}
