import { AppError } from '../../lib/errors';
import type { Principal } from '../../lib/auth/principal';
import { requestMeta, type RequestMeta } from '../audit/audit';
import { rateLimited, type RateLimiter } from '../limits/rate-limiter';
import type { Services } from '../services';
import type { RouteContext } from './router';
import { bindResponse } from '../limits/response-budget';

export { rateLimited };

export async function takeOrThrow(limiter: RateLimiter, key: string, what: string): Promise<void> {
  const result = await limiter.take(key);
  if (!result.ok) throw rateLimited(result.retryAfterMs, what);
}

/**
 * Who is calling, checked against storage, rate-limited, and (for cookie
 * writes) same-origin. Every /api/v1 handler starts here.
 */
export async function authenticate(services: Services, ctx: RouteContext): Promise<{ principal: Principal; meta: RequestMeta }> {
  const meta = requestMeta(ctx.req, services.trustProxy);
  const principal = await services.identifier.fromRequest(ctx.req);
  if (!principal) {
    const presented = Boolean(ctx.req.headers.authorization || ctx.req.headers.cookie);
    // Guessing tokens costs the guesser: bad credentials are limited per address.
    if (presented) await takeOrThrow(services.limits.badCredential, `bad:${meta.ip ?? 'unknown'}`, 'requests with an invalid credential');
    throw new AppError('unauthorized', 'A valid bearer token or session is required.');
  }
  if (principal.kind === 'agent') await takeOrThrow(services.limits.tokenUse, `token:${principal.tokenId}`, 'requests with this token');
  checkCsrf(ctx, services);
  // Whatever this request answers counts against this person's response bytes in flight.
  bindResponse(ctx.res, services.responses, principal);
  return { principal, meta };
}

/**
 * Cookie-authenticated writes must come from our own pages. Bearer-token
 * calls carry no ambient credential, so they need no Origin.
 */
export function checkCsrf(ctx: RouteContext, services: Services): void {
  const method = ctx.req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD' || ctx.req.headers.authorization) return;
  const origin = ctx.req.headers.origin;
  if (origin !== services.appOrigin()) {
    throw new AppError('forbidden', 'Cross-site request refused (Origin does not match this app).');
  }
}
