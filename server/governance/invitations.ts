import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../lib/errors';
import type { Principal } from '../../lib/auth/principal';
import { canAdministerOrg, canInvite } from '../../lib/auth/policy';
import { sameEmail } from '../../lib/auth/email';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../../lib/auth/passwords';
import { ROLES, type InvitationRecord, type Role, type UserRecord } from '../../lib/store/types';
import type { RequestMeta } from '../audit/audit';
import type { Services } from '../services';
import { requiredLabel } from '../validation';

const DAY_MS = 24 * 3600 * 1000;

const CreateInput = z.object({
  role: z.enum(ROLES as [Role, ...Role[]]),
  email: z.string().trim().toLowerCase().email().max(254).optional().or(z.literal('').transform(() => undefined)),
  expiresInDays: z.number().int().min(1).max(30).default(7),
});


const SignUpInput = z.object({
  name: requiredLabel(120),
  email: z.string().trim().toLowerCase().email().max(254),
  password: z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(1024),
});

/** The link carries 256 random bits; only their hash is stored. */
const SECRET_RE = /^[A-Za-z0-9_-]{43}$/;

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function gone(): AppError {
  return new AppError('gone', 'This invitation has expired, was already used, or was revoked. Ask an admin for a new link.');
}

/** The reason an accept is refused when the invitation names another address (the page offers to switch accounts). */
export const EMAIL_MISMATCH = 'invitation_email_mismatch';

/**
 * An invitation made for one address is accepted only by the account with
 * that address, however the accepter arrives (a new account, a signed-in
 * session of any other org, an identity provider's first sign-in). Only an
 * invitation made without an email is open to whoever holds the link: the
 * inviter chose that.
 */
function assertAddressedTo(invitation: InvitationRecord, email: string): void {
  if (invitation.email === null || sameEmail(invitation.email, email)) return;
  throw new AppError(
    'forbidden',
    'This invitation was sent to a different email address. Sign in with the address it was sent to, or sign out and create an account with it.',
    { details: { reason: EMAIL_MISMATCH } },
  );
}

async function pendingInvitation(services: Services, secret: string): Promise<InvitationRecord> {
  if (!SECRET_RE.test(secret)) throw new AppError('not_found', 'No such invitation.');
  const invitation = await services.store.getInvitationBySecretHash(hashSecret(secret));
  if (!invitation) throw new AppError('not_found', 'No such invitation.');
  if (invitation.acceptedAt !== null || invitation.revokedAt !== null || invitation.expiresAt <= services.now()) throw gone();
  return invitation;
}

export async function createInvitation(services: Services, principal: Principal, raw: unknown, meta: RequestMeta) {
  const input = CreateInput.parse(raw);
  if (!canAdministerOrg(principal)) throw new AppError('forbidden', 'Only admins can invite people.');
  if (!canInvite(principal, input.role)) throw new AppError('forbidden', 'You cannot invite someone with a higher role than yours.');
  const secret = randomBytes(32).toString('base64url');
  const now = services.now();
  const invitation: InvitationRecord = {
    id: randomUUID(),
    orgId: principal.orgId,
    secretHash: hashSecret(secret),
    email: input.email ?? null,
    role: input.role,
    createdBy: principal.userId,
    createdAt: now,
    expiresAt: now + input.expiresInDays * DAY_MS,
    acceptedAt: null,
    acceptedBy: null,
    revokedAt: null,
  };
  await services.store.transaction(async (tx) => {
    await tx.createInvitation(invitation);
    await services.audit.by(
      principal,
      'member.invite',
      {
        target: { type: 'invitation', id: invitation.id, label: invitation.email },
        details: { role: invitation.role, email: invitation.email, expiresAt: new Date(invitation.expiresAt).toISOString() },
        meta,
      },
      tx,
    );
  });
  return {
    id: invitation.id,
    url: `${services.appOrigin()}/invite/${secret}`,
    role: invitation.role,
    email: invitation.email,
    expiresAt: new Date(invitation.expiresAt).toISOString(),
  };
}

export async function listInvitations(services: Services, principal: Principal) {
  if (!canAdministerOrg(principal)) throw new AppError('forbidden', 'Only admins can see invitations.');
  const pending = await services.store.listPendingInvitations(principal.orgId, services.now());
  const items = [];
  for (const invitation of pending) {
    const inviter = await services.store.getUser(invitation.createdBy);
    items.push({
      id: invitation.id,
      email: invitation.email,
      role: invitation.role,
      createdAt: new Date(invitation.createdAt).toISOString(),
      expiresAt: new Date(invitation.expiresAt).toISOString(),
      createdBy: { id: invitation.createdBy, name: inviter?.name ?? 'Former member' },
    });
  }
  return { items };
}

export async function revokeInvitation(services: Services, principal: Principal, id: string, meta: RequestMeta) {
  if (!canAdministerOrg(principal)) throw new AppError('forbidden', 'Only admins can revoke invitations.');
  const invitation = await services.store.getInvitation(id);
  if (!invitation || invitation.orgId !== principal.orgId) throw new AppError('not_found', 'No such invitation.');
  await services.store.transaction(async (tx) => {
    if (!(await tx.revokeInvitation(id, services.now()))) throw gone();
    await services.audit.by(principal, 'member.invite_revoke', { target: { type: 'invitation', id, label: invitation.email }, details: { role: invitation.role }, meta }, tx);
  });
}

/** What the link's receiver sees before accepting. */
export async function describeInvitation(services: Services, secret: string) {
  const invitation = await pendingInvitation(services, secret);
  const org = await services.store.getOrg(invitation.orgId);
  const inviter = await services.store.getUser(invitation.createdBy);
  return {
    org: { id: invitation.orgId, name: org?.name ?? 'Organization' },
    role: invitation.role,
    email: invitation.email,
    expiresAt: new Date(invitation.expiresAt).toISOString(),
    invitedBy: { name: inviter?.name ?? 'An admin' },
  };
}

/**
 * Accepting: a signed-in person joins as themselves; anyone else creates an
 * account first. Either way an invitation made for an address binds to it
 * (`assertAddressedTo`). The invitation is used exactly once (atomically in
 * storage).
 */
export async function acceptInvitation(
  services: Services,
  secret: string,
  session: { userId: string } | null,
  raw: unknown,
  meta: RequestMeta,
): Promise<{ status: 200 | 201; body: { orgId: string; email?: string } }> {
  const invitation = await pendingInvitation(services, secret);
  let newAccount: UserRecord | null = null;
  let userId: string;
  if (session) {
    const account = await services.store.getUser(session.userId);
    if (!account) throw new AppError('unauthorized', 'Your session has ended: sign in again.');
    assertAddressedTo(invitation, account.email);
    userId = session.userId;
  } else {
    const input = SignUpInput.parse(raw);
    if (invitation.email !== null && !sameEmail(invitation.email, input.email)) {
      throw new AppError('bad_request', `email: this invitation is for ${invitation.email}.`);
    }
    if (await services.store.getUserByEmail(input.email)) {
      throw new AppError('conflict', 'An account with that email already exists: sign in, then open the link again.');
    }
    userId = randomUUID();
    // Hashed before the unit of work: a transaction is never held open across a scrypt.
    newAccount = { id: userId, email: input.email, name: input.name, passwordHash: await hashPassword(input.password), createdAt: services.now() };
  }
  const created = newAccount !== null;
  // The account, the membership and the record of the join commit together: an invitation that
  // turns out used (or an email taken meanwhile) leaves no account behind.
  const user = await services.store.transaction(async (tx) => {
    if (newAccount) {
      if (await tx.getUserByEmail(newAccount.email)) {
        throw new AppError('conflict', 'An account with that email already exists: sign in, then open the link again.');
      }
      await tx.createUser(newAccount);
    }
    if (!(await tx.acceptInvitation(invitation.id, userId, services.now()))) throw gone();
    const user = await tx.getUser(userId);
    await services.audit.record(
      {
        orgId: invitation.orgId,
        actor: { kind: 'user', id: userId, name: user?.name ?? 'New member' },
        action: 'member.join',
        target: { type: 'user', id: userId, label: user?.name ?? null },
        details: { role: invitation.role, invitationId: invitation.id, newAccount: created },
        meta,
      },
      tx,
    );
    return user;
  });
  return created ? { status: 201, body: { orgId: invitation.orgId, email: user?.email } } : { status: 200, body: { orgId: invitation.orgId } };
}
