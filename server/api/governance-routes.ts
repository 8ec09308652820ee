import { AppError } from '../../lib/errors';
import type { Services } from '../services';
import { requestMeta } from '../audit/audit';
import { exportAudit, listAudit, verifyAudit } from '../audit/queries';
import { exportArtifact } from '../governance/export';
import { acceptInvitation, createInvitation, describeInvitation, listInvitations, revokeInvitation } from '../governance/invitations';
import { changeRole, createOrg, getOrg, listMembers, removeMember, updateOrg } from '../governance/members';
import { changePassword, signOutEverywhere, switchOrg, updateProfile } from '../governance/profile';
import { publishArtifact, requestPublication, setArtifactAccess, setLegalHold } from '../governance/publication';
import { createToken, listTokens, revokeToken } from '../governance/tokens';
import { authenticate, checkCsrf, takeOrThrow } from './guard';
import { endResponse, readJson, sendBody, sendJson, writeChunk } from './http';
import { checkResponseRoom, reserveResponse, STREAM_WINDOW_BYTES } from '../limits/response-budget';
import { getVisibleArtifact } from '../artifacts/artifact-view';
import type { Router } from './router';

/** Small JSON bodies: settings, roles, names. */
const MAX_BODY = 64 * 1024;

function noContent(ctx: { res: import('node:http').ServerResponse }, headers: Record<string, string> = {}): void {
  ctx.res.writeHead(204, { 'cache-control': 'no-store', ...headers });
  ctx.res.end();
}

/** Identity, organization, tokens, invitations, publication and audit: thin handlers over server/governance. */
export function addGovernanceRoutes(router: Router, services: Services): Router {
  const auth = (ctx: Parameters<typeof authenticate>[1]) => authenticate(services, ctx);
  const body = (ctx: Parameters<typeof authenticate>[1]) => readJson(ctx.req, MAX_BODY);

  return (
    router
      // Me and the session
      .on('PATCH', '/api/v1/me', async (ctx) => {
        const { principal } = await auth(ctx);
        sendJson(ctx.res, 200, await updateProfile(services, principal, await body(ctx)));
      })
      .on('POST', '/api/v1/me/password', async (ctx) => {
        const { principal, meta } = await auth(ctx);
        await changePassword(services, principal, await body(ctx), meta);
        noContent(ctx);
      })
      .on('POST', '/api/v1/me/org', async (ctx) => {
        const { principal } = await auth(ctx);
        noContent(ctx, { 'set-cookie': await switchOrg(services, principal, await body(ctx)) });
      })
      .on('POST', '/api/v1/me/sign-out-everywhere', async (ctx) => {
        const { principal, meta } = await auth(ctx);
        await signOutEverywhere(services, principal, meta);
        noContent(ctx);
      })
      // Organization
      .on('POST', '/api/v1/orgs', async (ctx) => {
        const { principal, meta } = await auth(ctx);
        sendJson(ctx.res, 201, await createOrg(services, principal, await body(ctx), meta));
      })
      .on('GET', '/api/v1/org', async (ctx) => {
        const { principal } = await auth(ctx);
        sendJson(ctx.res, 200, await getOrg(services, principal));
      })
      .on('PATCH', '/api/v1/org', async (ctx) => {
        const { principal, meta } = await auth(ctx);
        sendJson(ctx.res, 200, await updateOrg(services, principal, await body(ctx), meta));
      })
      .on('GET', '/api/v1/org/members', async (ctx) => {
        const { principal } = await auth(ctx);
        sendJson(ctx.res, 200, await listMembers(services, principal));
      })
      .on('PATCH', '/api/v1/org/members/:userId', async (ctx) => {
        const { principal, meta } = await auth(ctx);
        sendJson(ctx.res, 200, await changeRole(services, principal, ctx.params.userId, await body(ctx), meta));
      })
      .on('DELETE', '/api/v1/org/members/:userId', async (ctx) => {
        const { principal, meta } = await auth(ctx);
        await removeMember(services, principal, ctx.params.userId, meta);
        noContent(ctx);
      })
      .on('GET', '/api/v1/org/invitations', async (ctx) => {
        const { principal } = await auth(ctx);
        sendJson(ctx.res, 200, await listInvitations(services, principal));
      })
      .on('POST', '/api/v1/org/invitations', async (ctx) => {
        const { principal, meta } = await auth(ctx);
        sendJson(ctx.res, 201, await createInvitation(services, principal, await body(ctx), meta));
      })
      .on('DELETE', '/api/v1/org/invitations/:id', async (ctx) => {
        const { principal, meta } = await auth(ctx);
        await revokeInvitation(services, principal, ctx.params.id, meta);
        noContent(ctx);
      })
      // The receiving end of an invitation link: no membership needed.
      .on('GET', '/api/v1/invitations/:secret', async (ctx) => {
        const meta = requestMeta(ctx.req, services.trustProxy);
        try {
          sendJson(ctx.res, 200, await describeInvitation(services, ctx.params.secret));
        } catch (error) {
          if (error instanceof AppError && error.code === 'not_found') {
            await takeOrThrow(services.limits.badCredential, `bad:${meta.ip ?? 'unknown'}`, 'invalid invitation links');
          }
          throw error;
        }
      })
      .on('POST', '/api/v1/invitations/:secret/accept', async (ctx) => {
        const meta = requestMeta(ctx.req, services.trustProxy);
        const session = await services.identifier.sessionOf(ctx.req);
        if (session) checkCsrf(ctx, services);
        const raw = session ? null : await body(ctx);
        let result;
        try {
          result = await acceptInvitation(services, ctx.params.secret, session, raw, meta);
        } catch (error) {
          // The same budget as looking a link up: guessing links by accepting them costs the guesser too.
          if (error instanceof AppError && error.code === 'not_found') {
            await takeOrThrow(services.limits.badCredential, `bad:${meta.ip ?? 'unknown'}`, 'invalid invitation links');
          }
          throw error;
        }
        const headers: Record<string, string> = {};
        // A signed-in joiner switches to the org they just joined.
        if (session) headers['set-cookie'] = `loupe-org=${encodeURIComponent(result.body.orgId)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000`;
        sendJson(ctx.res, result.status, result.body, headers);
      })
      // Agent tokens
      .on('GET', '/api/v1/tokens', async (ctx) => {
        const { principal } = await auth(ctx);
        const all = ctx.url.searchParams.get('all');
        sendJson(ctx.res, 200, await listTokens(services, principal, all === '1' || all === 'true'));
      })
      .on('POST', '/api/v1/tokens', async (ctx) => {
        const { principal, meta } = await auth(ctx);
        sendJson(ctx.res, 201, await createToken(services, principal, await body(ctx), meta));
      })
      .on('DELETE', '/api/v1/tokens/:id', async (ctx) => {
        const { principal, meta } = await auth(ctx);
        await revokeToken(services, principal, ctx.params.id, meta);
        noContent(ctx);
      })
      // Publication, access, legal hold, export
      .on('POST', '/api/v1/artifacts/:id/publish', async (ctx) => {
        const { principal, meta } = await auth(ctx);
        const raw = Number(ctx.req.headers['content-length'] ?? 0) > 0 || ctx.req.headers['transfer-encoding'] ? await body(ctx) : {};
        sendJson(ctx.res, 200, await publishArtifact(services, principal, ctx.params.id, raw, meta));
      })
      .on('POST', '/api/v1/artifacts/:id/request-publication', async (ctx) => {
        const { principal, meta } = await auth(ctx);
        sendJson(ctx.res, 200, await requestPublication(services, principal, ctx.params.id, meta));
      })
      .on('PUT', '/api/v1/artifacts/:id/access', async (ctx) => {
        const { principal, meta } = await auth(ctx);
        sendJson(ctx.res, 200, await setArtifactAccess(services, principal, ctx.params.id, await body(ctx), meta));
      })
      .on('PUT', '/api/v1/artifacts/:id/legal-hold', async (ctx) => {
        const { principal, meta } = await auth(ctx);
        sendJson(ctx.res, 200, await setLegalHold(services, principal, ctx.params.id, await body(ctx), meta));
      })
      .on('GET', '/api/v1/artifacts/:id/export', async (ctx) => {
        const { principal, meta } = await auth(ctx);
        // Refused before the export is built when a page of today's size could not be sent anyway.
        checkResponseRoom(ctx.res, (await getVisibleArtifact(services, principal, ctx.params.id)).sizeBytes);
        const { zip, filename } = await exportArtifact(services, principal, ctx.params.id, meta);
        const headers = { 'content-type': 'application/zip', 'content-disposition': `attachment; filename="${filename}"`, 'cache-control': 'no-store' };
        sendBody(ctx.res, 200, headers, Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength), ctx.req.method === 'HEAD');
      })
      // Audit
      .on('GET', '/api/v1/audit', async (ctx) => {
        const { principal } = await auth(ctx);
        sendJson(ctx.res, 200, await listAudit(services, principal, ctx.url.searchParams));
      })
      .on('GET', '/api/v1/audit/verify', async (ctx) => {
        const { principal } = await auth(ctx);
        sendJson(ctx.res, 200, await verifyAudit(services, principal));
      })
      .on('GET', '/api/v1/audit/export', async (ctx) => {
        const { principal, meta } = await auth(ctx);
        const chunks = exportAudit(services, principal, ctx.url.searchParams, meta);
        // The first chunk runs the checks (role, filters): errors become normal JSON errors.
        const first = await chunks.next();
        // Written with backpressure: what it holds is one window, not the export.
        reserveResponse(ctx.res, STREAM_WINDOW_BYTES);
        const csv = ctx.url.searchParams.get('format') === 'csv';
        const stamp = new Date(services.now()).toISOString().slice(0, 19).replace(/[:T]/g, '-');
        ctx.res.writeHead(200, {
          'content-type': csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
          'content-disposition': `attachment; filename="loupe-audit-${stamp}.${csv ? 'csv' : 'json'}"`,
          'cache-control': 'no-store',
        });
        if (!first.done) await writeChunk(ctx.res, first.value);
        for await (const chunk of chunks) {
          if (ctx.res.destroyed) break;
          await writeChunk(ctx.res, chunk);
        }
        await endResponse(ctx.res);
      })
  );
}
