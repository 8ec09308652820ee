import { z } from 'zod';
import { AppError } from '../../lib/errors';
import type { Principal } from '../../lib/auth/principal';
import { canSeeArtifact } from '../../lib/auth/policy';
import { signClaims } from '../../lib/auth/tokens';
import { colorFor } from '../../lib/protocol/presence';
import { MAX_PAGE_BYTES } from '../../lib/protocol/messages';
import type { Services } from '../services';
import { COLLAB_TOKEN_TTL_MS } from '../auth/identify';
import { artifactView, getVisibleArtifact } from '../artifacts/artifact-view';
import { createArtifact } from '../artifacts/create-artifact';
import { putContent, readContent, streamContent, writableArtifact } from '../artifacts/write-content';
import { decodeText, parseIfMatch, readBody, readJson, requireTextBody, sendJson } from './http';
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
});

/**
 * The agent API (`/api/v1`) and the browser's helpers. Handlers are thin:
 * authenticate, parse, call one use case, answer JSON.
 */
export function buildApiRouter(services: Services): Router {
  const authed = async (ctx: RouteContext): Promise<Principal> => {
    const principal = await services.identifier.fromRequest(ctx.req);
    if (!principal) throw new AppError('unauthorized', 'A valid bearer token or session is required.');
    checkCsrf(ctx, services);
    return principal;
  };

  return new Router()
    .on('GET', '/api/v1/me', async (ctx) => {
      const principal = await authed(ctx);
      const org = await services.store.getOrg(principal.orgId);
      sendJson(ctx.res, 200, {
        kind: principal.kind,
        user: {
          id: principal.userId,
          name: principal.name,
          color: colorFor(principal.userId),
          ...(principal.kind === 'user' ? { email: principal.email } : {}),
        },
        org: org ? { id: org.id, name: org.name } : null,
        role: principal.role,
        sandboxOrigin: services.sandboxOrigin(),
      });
    })
    .on('POST', '/api/v1/artifacts', async (ctx) => {
      const principal = await authed(ctx);
      const view = await createArtifact(services, principal, await readJson(ctx.req, MAX_JSON_BYTES));
      sendJson(ctx.res, 201, view, { location: view.url });
    })
    .on('GET', '/api/v1/artifacts', async (ctx) => {
      const principal = await authed(ctx);
      const query = ListQuery.parse(Object.fromEntries(ctx.url.searchParams));
      const page = await services.store.listArtifacts({ ...query, orgId: principal.orgId });
      sendJson(ctx.res, 200, {
        items: page.items.filter((a) => canSeeArtifact(principal, a)).map((a) => artifactView(a, services.appOrigin())),
        nextCursor: page.nextCursor,
      });
    })
    .on('GET', '/api/v1/artifacts/:id', async (ctx) => {
      const principal = await authed(ctx);
      const artifact = await getVisibleArtifact(services, principal, ctx.params.id);
      sendJson(ctx.res, 200, artifactView(artifact, services.appOrigin(), principal));
    })
    .on('GET', '/api/v1/artifacts/:id/content', async (ctx) => {
      const principal = await authed(ctx);
      const { html, etag } = await readContent(services, principal, ctx.params.id);
      const body = Buffer.from(html);
      // Served as text to API clients, never rendered on the app origin.
      ctx.res.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': body.byteLength,
        etag,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      ctx.res.end(ctx.req.method === 'HEAD' ? undefined : body);
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
}

/**
 * Cookie-authenticated writes must come from our own pages. Bearer-token
 * calls carry no ambient credential, so they need no Origin.
 */
function checkCsrf(ctx: RouteContext, services: Services): void {
  const method = ctx.req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD' || ctx.req.headers.authorization) return;
  const origin = ctx.req.headers.origin;
  if (origin !== services.appOrigin()) {
    throw new AppError('forbidden', 'Cross-site request refused (Origin does not match this app).');
  }
}
