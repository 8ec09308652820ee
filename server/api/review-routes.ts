import type { Services } from '../services';
import { listInbox, markInboxRead, streamInbox } from '../review/inbox';
import { listReviews, submitReview } from '../review/reviews';
import {
  commentHistory,
  createThread,
  deleteComment,
  editComment,
  getThread,
  listMentionables,
  listThreads,
  markAddressed,
  react,
  reply,
  setThreadStatus,
} from '../review/threads';
import { authenticate } from './guard';
import { readJson, sendJson } from './http';
import type { Router, RouteContext } from './router';

/** Comment bodies are small; this bounds one request's JSON well above the comment limits. */
const MAX_BODY = 256 * 1024;

const query = (ctx: RouteContext) => Object.fromEntries(ctx.url.searchParams);

/** The review layer (docs/API.md, "Review"): thin handlers over server/review. */
export function addReviewRoutes(router: Router, services: Services): Router {
  const base = '/api/v1/artifacts/:id';
  return router
    .on('GET', `${base}/threads`, async (ctx) => {
      const { principal } = await authenticate(services, ctx);
      sendJson(ctx.res, 200, await listThreads(services, principal, ctx.params.id, query(ctx)));
    })
    .on('POST', `${base}/threads`, async (ctx) => {
      const { principal, meta } = await authenticate(services, ctx);
      sendJson(ctx.res, 201, await createThread(services, principal, ctx.params.id, await readJson(ctx.req, MAX_BODY), meta));
    })
    .on('GET', `${base}/threads/:tid`, async (ctx) => {
      const { principal } = await authenticate(services, ctx);
      sendJson(ctx.res, 200, await getThread(services, principal, ctx.params.id, ctx.params.tid));
    })
    .on('PATCH', `${base}/threads/:tid`, async (ctx) => {
      const { principal, meta } = await authenticate(services, ctx);
      sendJson(ctx.res, 200, await setThreadStatus(services, principal, ctx.params.id, ctx.params.tid, await readJson(ctx.req, MAX_BODY), meta));
    })
    .on('POST', `${base}/threads/:tid/replies`, async (ctx) => {
      const { principal, meta } = await authenticate(services, ctx);
      sendJson(ctx.res, 201, await reply(services, principal, ctx.params.id, ctx.params.tid, await readJson(ctx.req, MAX_BODY), meta));
    })
    .on('POST', `${base}/threads/:tid/addressed`, async (ctx) => {
      const { principal, meta } = await authenticate(services, ctx);
      const hasBody = Number(ctx.req.headers['content-length'] ?? 0) > 0 || Boolean(ctx.req.headers['transfer-encoding']);
      const raw = hasBody ? await readJson(ctx.req, MAX_BODY) : {};
      sendJson(ctx.res, 200, await markAddressed(services, principal, ctx.params.id, ctx.params.tid, raw, meta));
    })
    .on('PATCH', `${base}/comments/:cid`, async (ctx) => {
      const { principal, meta } = await authenticate(services, ctx);
      sendJson(ctx.res, 200, await editComment(services, principal, ctx.params.id, ctx.params.cid, await readJson(ctx.req, MAX_BODY), meta));
    })
    .on('DELETE', `${base}/comments/:cid`, async (ctx) => {
      const { principal, meta } = await authenticate(services, ctx);
      sendJson(ctx.res, 200, await deleteComment(services, principal, ctx.params.id, ctx.params.cid, meta));
    })
    .on('GET', `${base}/comments/:cid/history`, async (ctx) => {
      const { principal } = await authenticate(services, ctx);
      sendJson(ctx.res, 200, await commentHistory(services, principal, ctx.params.id, ctx.params.cid));
    })
    .on('PUT', `${base}/comments/:cid/reactions/:key`, async (ctx) => {
      const { principal } = await authenticate(services, ctx);
      sendJson(ctx.res, 200, await react(services, principal, ctx.params.id, ctx.params.cid, decodeURIComponent(ctx.params.key), true));
    })
    .on('DELETE', `${base}/comments/:cid/reactions/:key`, async (ctx) => {
      const { principal } = await authenticate(services, ctx);
      sendJson(ctx.res, 200, await react(services, principal, ctx.params.id, ctx.params.cid, decodeURIComponent(ctx.params.key), false));
    })
    .on('GET', `${base}/mentionables`, async (ctx) => {
      const { principal } = await authenticate(services, ctx);
      sendJson(ctx.res, 200, await listMentionables(services, principal, ctx.params.id));
    })
    .on('GET', `${base}/reviews`, async (ctx) => {
      const { principal } = await authenticate(services, ctx);
      sendJson(ctx.res, 200, await listReviews(services, principal, ctx.params.id));
    })
    .on('POST', `${base}/reviews`, async (ctx) => {
      const { principal, meta } = await authenticate(services, ctx);
      sendJson(ctx.res, 201, await submitReview(services, principal, ctx.params.id, await readJson(ctx.req, MAX_BODY), meta));
    })
    .on('GET', '/api/v1/inbox', async (ctx) => {
      const { principal } = await authenticate(services, ctx);
      sendJson(ctx.res, 200, await listInbox(services, principal, query(ctx)));
    })
    .on('POST', '/api/v1/inbox/read', async (ctx) => {
      const { principal } = await authenticate(services, ctx);
      sendJson(ctx.res, 200, await markInboxRead(services, principal, await readJson(ctx.req, MAX_BODY)));
    })
    .on('GET', '/api/v1/inbox/events', async (ctx) => {
      const { principal } = await authenticate(services, ctx);
      await streamInbox(services, principal, ctx.res, async () => (await services.identifier.refresh(principal)) !== null);
    });
}
