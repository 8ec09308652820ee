import { z } from 'zod';
import { AppError } from '../../lib/errors';
import type { Principal, UserPrincipal } from '../../lib/auth/principal';
import { canAdministerOrg, mayPublishInOrg } from '../../lib/auth/policy';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../../lib/auth/passwords';
import { colorFor } from '../../lib/protocol/presence';
import { DEFAULT_ORG_SETTINGS, type StoreTransaction } from '../../lib/store/types';
import { actorOf, type AuditAction, type AuditActor, type RequestMeta } from '../audit/audit';
import { checkPassword } from '../auth/password-check';
import { rateLimited } from '../limits/rate-limiter';
import type { Services } from '../services';
import { requiredLabel } from '../validation';

const NameInput = z.object({
  name: requiredLabel(120),
});

const PasswordInput = z.object({
  currentPassword: z.string().min(1, 'is required').max(1024),
  newPassword: z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(1024),
});

export async function describeMe(services: Services, principal: Principal) {
  const org = await services.store.getOrg(principal.orgId);
  const orgs = [];
  for (const membership of await services.store.listMembershipsOfUser(principal.userId)) {
    const other = await services.store.getOrg(membership.orgId);
    if (other) orgs.push({ id: other.id, name: other.name, role: membership.role });
  }
  const user = await services.store.getUser(principal.userId);
  return {
    kind: principal.kind,
    user: {
      id: principal.userId,
      name: principal.kind === 'user' ? (user?.name ?? principal.name) : principal.name,
      color: colorFor(principal.userId),
      ...(principal.kind === 'user' ? { email: principal.email } : {}),
    },
    org: org ? { id: org.id, name: org.name } : null,
    role: principal.role,
    orgs,
    can: { publish: mayPublishInOrg(principal, org?.settings ?? DEFAULT_ORG_SETTINGS), admin: canAdministerOrg(principal) },
    sandboxOrigin: services.sandboxOrigin(),
  };
}

function requireUser(principal: Principal): UserPrincipal {
  if (principal.kind !== 'user') throw new AppError('forbidden', 'This needs a signed-in person, not an agent token.');
  return principal;
}

export async function updateProfile(services: Services, principal: Principal, raw: unknown) {
  const user = requireUser(principal);
  const { name } = NameInput.parse(raw);
  await services.store.updateUser(user.userId, { name });
  return describeMe(services, { ...user, name });
}

/**
 * The current password is checked against the same per-account and
 * per-address budget as sign-ins (a stolen session must not become a
 * password oracle). A change ends every other session of the person and
 * closes their live sockets; this one stays signed in.
 */
export async function changePassword(services: Services, principal: Principal, raw: unknown, meta: RequestMeta) {
  const user = requireUser(principal);
  const input = PasswordInput.parse(raw);
  const record = await services.store.getUser(user.userId);
  if (!record) throw new AppError('unauthorized', 'A valid bearer token or session is required.');
  const checked = await checkPassword(services.limits, { email: record.email, ip: meta.ip }, input.currentPassword, record.passwordHash);
  if (!checked.ok) {
    if (checked.reason === 'rate_limited') throw rateLimited(checked.retryAfterMs, 'password attempts');
    throw new AppError('forbidden', 'The current password is not right.');
  }
  const passwordHash = await hashPassword(input.newPassword);
  await services.store.transaction(async (tx) => {
    await tx.updateUser(user.userId, { passwordHash });
    const ended = await tx.revokeSessionsOfUser(user.userId, services.now(), user.sessionId);
    await auditAccountEvent(services, user.userId, actorOf(user), 'auth.password_change', meta, { otherSessionsEnded: ended.length }, tx);
  });
  services.cutOff({ userId: user.userId, kind: 'user', exceptSessionId: user.sessionId }, 'revoked');
}

/** The org a session works in is a hint in a cookie; every request re-checks the membership. */
export async function switchOrg(services: Services, principal: Principal, raw: unknown): Promise<string> {
  requireUser(principal);
  const { orgId } = z.object({ orgId: z.string().min(1).max(100) }).parse(raw);
  if (!(await services.store.getMembership(orgId, principal.userId))) throw new AppError('not_found', 'No such organization.');
  const secure = services.appOrigin().startsWith('https:') ? '; Secure' : '';
  return `loupe-org=${encodeURIComponent(orgId)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000${secure}`;
}

/** Records an account-level event (sign-in, sign-out) in every org the user belongs to. */
export async function auditAccountEvent(
  services: Services,
  userId: string,
  actor: AuditActor,
  action: AuditAction,
  meta: RequestMeta,
  details: Record<string, unknown> = {},
  tx?: StoreTransaction,
): Promise<void> {
  for (const membership of await (tx ?? services.store).listMembershipsOfUser(userId)) {
    await services.audit.record({ orgId: membership.orgId, actor, action, target: { type: 'user', id: userId, label: actor.name }, details, meta }, tx);
  }
}

export async function signOutEverywhere(services: Services, principal: Principal, meta: RequestMeta) {
  const user = requireUser(principal);
  await services.store.transaction(async (tx) => {
    const revoked = await tx.revokeSessionsOfUser(user.userId, services.now());
    await auditAccountEvent(services, user.userId, actorOf(user), 'auth.sign_out_everywhere', meta, { sessions: revoked.length }, tx);
  });
  services.cutOff({ userId: user.userId, kind: 'user' }, 'revoked');
}
