import type { IncomingMessage } from 'node:http';
import { decode } from 'next-auth/jwt';
import type { Principal } from '../../lib/auth/principal';
import { hashAgentToken, isWellFormedAgentToken, verifyClaims } from '../../lib/auth/tokens';
import type { Store } from '../../lib/store/types';

/** next-auth's cookie names: the __Secure- prefix is used on https origins. */
export function sessionCookieName(appOrigin: string): string {
  return appOrigin.startsWith('https:') ? '__Secure-authjs.session-token' : 'authjs.session-token';
}

/** Collab tokens live this long; the page asks for a new one on every (re)connect. */
export const COLLAB_TOKEN_TTL_MS = 5 * 60 * 1000;
/** last_used_at is written at most this often per token, keeping writes off the hot path. */
const TOKEN_TOUCH_INTERVAL_MS = 60 * 1000;

export interface IdentifyOptions {
  store: Store;
  /** The signing key ring, current key first: any of them verifies. */
  authSecrets: readonly string[];
  appOrigin: () => string;
  now?: () => number;
}

/**
 * The one place a request, page load or socket becomes a Principal.
 * Every credential is re-checked against storage (session not revoked,
 * token not revoked or expired, membership still there), so cutting
 * someone off takes effect on their next request.
 */
export class Identifier {
  private readonly options: IdentifyOptions;
  private readonly lastTouched = new Map<string, number>();

  constructor(options: IdentifyOptions) {
    this.options = options;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** Bearer token, else session cookie. */
  async fromRequest(req: IncomingMessage): Promise<Principal | null> {
    const bearer = bearerToken(req);
    if (bearer !== null) return this.fromAgentToken(bearer);
    return this.fromSessionCookie(req);
  }

  /** Upgrades: `?token=` (agent or collab token), bearer header, or the session cookie. */
  async fromUpgrade(req: IncomingMessage, url: URL): Promise<Principal | null> {
    // A `token` parameter, even an empty one, means "authenticate me by token": never fall back to the cookie.
    if (url.searchParams.has('token')) {
      const token = url.searchParams.get('token') ?? '';
      if (!token) return null;
      if (isWellFormedAgentToken(token)) return this.fromAgentToken(token);
      return this.fromCollabToken(token);
    }
    return this.fromRequest(req);
  }

  async fromAgentToken(token: string): Promise<Principal | null> {
    if (!isWellFormedAgentToken(token)) return null;
    const record = await this.options.store.getAgentTokenByHash(hashAgentToken(token));
    const now = this.now();
    if (!record || record.revokedAt !== null || (record.expiresAt !== null && record.expiresAt <= now)) return null;
    const membership = await this.options.store.getMembership(record.orgId, record.userId);
    if (!membership) return null;
    const last = this.lastTouched.get(record.id) ?? record.lastUsedAt ?? 0;
    if (now - last > TOKEN_TOUCH_INTERVAL_MS) {
      this.lastTouched.set(record.id, now);
      await this.options.store.touchAgentToken(record.id, now);
    }
    return {
      kind: 'agent',
      userId: record.userId,
      orgId: record.orgId,
      role: membership.role,
      tokenId: record.id,
      scopes: record.scopes,
      name: record.name,
    };
  }

  async fromSessionCookie(req: IncomingMessage, orgHint?: string): Promise<Principal | null> {
    const sid = await this.sessionIdFromCookie(req);
    if (!sid) return null;
    return this.fromSessionId(sid, orgHint ?? readCookie(req, 'loupe-org') ?? undefined);
  }

  /** A live session, whether or not its user belongs to any organization yet (invitations, "no org" page). */
  async sessionOf(req: IncomingMessage): Promise<{ userId: string; sessionId: string } | null> {
    const sid = await this.sessionIdFromCookie(req);
    if (!sid) return null;
    const session = await this.options.store.getSession(sid);
    if (!session || session.revokedAt !== null || session.expiresAt <= this.now()) return null;
    return { userId: session.userId, sessionId: session.id };
  }

  private async sessionIdFromCookie(req: IncomingMessage): Promise<string | null> {
    const cookieName = sessionCookieName(this.options.appOrigin());
    const raw = readCookie(req, cookieName);
    if (!raw) return null;
    let payload: Record<string, unknown> | null;
    try {
      payload = (await decode({ token: raw, secret: [...this.options.authSecrets], salt: cookieName })) as Record<string, unknown> | null;
    } catch {
      // A cookie we cannot decrypt (old secret, tampering) is simply not a session.
      payload = null;
    }
    const sid = payload?.sid;
    return typeof sid === 'string' ? sid : null;
  }

  async fromSessionId(sessionId: string, orgHint?: string): Promise<Principal | null> {
    const session = await this.options.store.getSession(sessionId);
    if (!session || session.revokedAt !== null || session.expiresAt <= this.now()) return null;
    const user = await this.options.store.getUser(session.userId);
    if (!user) return null;
    const memberships = await this.options.store.listMembershipsOfUser(user.id);
    const membership = memberships.find((m) => m.orgId === orgHint) ?? memberships[0];
    if (!membership) return null;
    return {
      kind: 'user',
      userId: user.id,
      orgId: membership.orgId,
      role: membership.role,
      sessionId: session.id,
      name: user.name,
      email: user.email,
    };
  }

  async fromCollabToken(token: string): Promise<Principal | null> {
    const claims = verifyClaims(token, this.options.authSecrets, this.now());
    if (!claims || claims.typ !== 'collab' || typeof claims.sid !== 'string' || typeof claims.org !== 'string') return null;
    return this.fromSessionId(claims.sid, claims.org);
  }

  /**
   * The principal as storage says it is now (role may have changed), or
   * null when the session or token was revoked or the membership removed.
   * Used to re-check live sockets.
   */
  async refresh(principal: Principal): Promise<Principal | null> {
    if (principal.kind === 'user') {
      const again = await this.fromSessionId(principal.sessionId, principal.orgId);
      return again !== null && again.orgId === principal.orgId ? again : null;
    }
    const token = await this.options.store.getAgentToken(principal.tokenId);
    if (!token || token.revokedAt !== null || (token.expiresAt !== null && token.expiresAt <= this.now())) return null;
    const membership = await this.options.store.getMembership(principal.orgId, principal.userId);
    return membership ? { ...principal, role: membership.role } : null;
  }
}

export function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1] : '';
}

export function readCookie(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}
