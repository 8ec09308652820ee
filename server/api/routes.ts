import { z } from 'zod';
import { AppError } from '../../lib/errors';
import { canSeeArtifact, isAdmin } from '../../lib/auth/policy';
import { signClaims } from '../../lib/auth/tokens';
import { MAX_PAGE_BYTES } from '../../lib/protocol/messages';
import type { Services } from '../services';
import { COLLAB_TOKEN_TTL_MS } from '../auth/identify';
import { getVisibleArtifact, presentArtifact, presentArtifacts } from '../artifacts/artifact-view';
import { recordView } from '../artifacts/record-view';
import { describeMe } from '../governance/profile';
import { authenticate } from './guard';
import { addGovernanceRoutes } from './governance-routes';
import { addVersionRoutes } from './version-routes';
import { addReviewRoutes } from './review-routes';
import { createArtifact } from '../artifacts/create-artifact';
import { putContent, readContent, streamContent, writableArtifact } from '../artifacts/write-content';
import { decodeText, parseIfMatch, readBody, readJson, requireTextBody, sendBody, sendJson } from './http';
import { checkResponseRoom } from '../limits/response-budget';
import { Router, type RouteContext } from './router';

/** JSON bodies carry at most a page plus its fields. */
const MAX_JSON_BYTES = MAX_PAGE_BYTES + 64 * 1024;

const ListQuery = z.object({
  project: z.string().max(200).optional(),
  session: z.string().max(200).optional(),
  kind: z.string().max(64).optional(),
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
  status: z.enum(['draft', 'published']).optional(),
});

/**
 * The agent API (`/api/v1`) and the browser's helpers. Handlers are thin:
 * authenticate, parse, call one use case, answer JSON.
 */
export function buildApiRouter(services: Services): Router {
  const authed = async (ctx: RouteContext) => (await authenticate(services, ctx)).principal;

  const router = new Router()
    .on('GET', '/api/v1/me', async (ctx) => {
      const principal = await authed(ctx);
      sendJson(ctx.res, 200, await describeMe(services, principal));
    })
    .on('POST', '/api/v1/artifacts', async (ctx) => {
      const { principal, meta } = await authenticate(services, ctx);
      const view = await createArtifact(services, principal, await readJson(ctx.req, MAX_JSON_BYTES), meta);
      sendJson(ctx.res, 201, view, { location: view.url });
    })
    .on('GET', '/api/v1/artifacts', async (ctx) => {
      const principal = await authed(ctx);
      const query = ListQuery.parse(Object.fromEntries(ctx.url.searchParams));
      const page = await services.store.listArtifacts({
        ...query,
        orgId: principal.orgId,
        viewer: { userId: principal.userId, isAdmin: isAdmin(principal) },
      });
      sendJson(ctx.res, 200, {
        items: await presentArtifacts(services, principal, page.items.filter((a) => canSeeArtifact(principal, a))),
        nextCursor: page.nextCursor,
      });
    })
    .on('GET', '/api/v1/artifacts/:id', async (ctx) => {
      const principal = await authed(ctx);
      const artifact = await getVisibleArtifact(services, principal, ctx.params.id);
      sendJson(ctx.res, 200, await presentArtifact(services, principal, artifact));
    })
    .on('GET', '/api/v1/artifacts/:id/content', async (ctx) => {
      const { principal, meta } = await authenticate(services, ctx);
      // Refused before the page is read when it could not be sent anyway (over this person's response budget).
      checkResponseRoom(ctx.res, (await getVisibleArtifact(services, principal, ctx.params.id)).sizeBytes);
      const { html, etag } = await readContent(services, principal, ctx.params.id);
      recordView(services, principal, ctx.params.id, meta, 'api');
      // Served as text to API clients, never rendered on the app origin.
      const headers = { 'content-type': 'text/plain; charset=utf-8', etag, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
      sendBody(ctx.res, 200, headers, Buffer.from(html), ctx.req.method === 'HEAD');
    })
    .on('PUT', '/api/v1/artifacts/:id/content', async (ctx) => {
      const principal = await authed(ctx);
      requireTextBody(ctx.req);
      // Authorize (write, not just read) before reading a possibly large body.
      await writableArtifact(services, principal, ctx.params.id);
      const html = decodeText(await readBody(ctx.req, MAX_PAGE_BYTES));
      const result = await putContent(services, principal, ctx.params.id, html, parseIfMatch(ctx.req.headers['if-match']));
      sendJson(ctx.res, 200, result, { etag: result.etag });
    })
    .on('POST', '/api/v1/artifacts/:id/stream', async (ctx) => {
      const principal = await authed(ctx);
      requireTextBody(ctx.req);
      const declared = Number(ctx.req.headers['content-length']);
      if (Number.isFinite(declared) && declared > MAX_PAGE_BYTES) {
        throw new AppError('payload_too_large', `The body is over the limit of ${MAX_PAGE_BYTES} bytes (16 MiB); nothing was stored.`);
      }
      const reset = ctx.url.searchParams.get('reset') === '1' || ctx.url.searchParams.get('reset') === 'true';
      const result = await streamContent(services, principal, ctx.params.id, ctx.req as AsyncIterable<Buffer>, reset);
      sendJson(ctx.res, 200, result, { etag: result.etag });
    })
    .on('POST', '/api/collab-token', async (ctx) => {
      const principal = await authed(ctx);
      if (principal.kind !== 'user') throw new AppError('forbidden', 'Agents connect with their token directly.');
      const expiresAt = services.now() + COLLAB_TOKEN_TTL_MS;
      const token = signClaims(
        { typ: 'collab', sid: principal.sessionId, org: principal.orgId, exp: Math.floor(expiresAt / 1000) },
        services.authSecret,
      );
      sendJson(ctx.res, 200, { token, expiresAt: new Date(expiresAt).toISOString() });
    });
  return addReviewRoutes(addVersionRoutes(addGovernanceRoutes(router, services), services), services);
}
