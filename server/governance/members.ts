import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../lib/errors';
import type { Principal } from '../../lib/auth/principal';
import { canAdministerOrg, canChangeRole, canListMembers, canRemoveMember, memberEmailFor } from '../../lib/auth/policy';
import { ROLES, type OrgRecord, type Role, type StoreTransaction } from '../../lib/store/types';
import { actorOf, type RequestMeta } from '../audit/audit';
import type { Services } from '../services';
import { requiredLabel } from '../validation';


const OrgPatch = z.object({
  name: requiredLabel(120).optional(),
  defaultVisibility: z.enum(['org', 'members']).optional(),
  publishRole: z.enum(['member', 'admin']).optional(),
  retentionDays: z.number().int().min(1).max(3650).nullable().optional(),
  requiredApprovals: z.number().int().min(0).max(10).optional(),
});

const RoleInput = z.object({ role: z.enum(ROLES as [Role, ...Role[]]) });

export function orgView(org: OrgRecord) {
  return { id: org.id, name: org.name, settings: org.settings };
}

async function requireOrg(store: Pick<StoreTransaction, 'getOrg'>, orgId: string): Promise<OrgRecord> {
  const org = await store.getOrg(orgId);
  if (!org) throw new AppError('not_found', 'No such organization.');
  return org;
}

const NewOrgInput = z.object({ name: requiredLabel(120) });

/** Anyone signed in may start an organization; they become its owner. */
export async function createOrg(services: Services, principal: Principal, raw: unknown, meta: RequestMeta) {
  if (principal.kind !== 'user') throw new AppError('forbidden', 'Organizations are created by people, not tokens.');
  const { name } = NewOrgInput.parse(raw);
  const id = randomUUID();
  const now = services.now();
  await services.store.transaction(async (tx) => {
    await tx.createOrg({ id, name, createdAt: now });
    await tx.putMembership({ orgId: id, userId: principal.userId, role: 'owner', createdAt: now });
    await services.audit.record({ orgId: id, actor: actorOf(principal), action: 'org.create', target: { type: 'org', id, label: name }, meta }, tx);
  });
  return { id, name, role: 'owner' as const };
}

export async function getOrg(services: Services, principal: Principal) {
  return orgView(await requireOrg(services.store, principal.orgId));
}

export async function updateOrg(services: Services, principal: Principal, raw: unknown, meta: RequestMeta) {
  if (!canAdministerOrg(principal)) throw new AppError('forbidden', 'Only admins can change organization settings.');
  const patch = OrgPatch.parse(raw);
  const { name, ...settings } = patch;
  const { after, changes } = await services.store.transaction(async (tx) => {
    const before = await requireOrg(tx, principal.orgId);
    const after = (await tx.updateOrg(principal.orgId, { name, settings }))!;
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    if (name !== undefined && name !== before.name) changes.name = { from: before.name, to: name };
    for (const key of Object.keys(settings) as Array<keyof typeof settings>) {
      if (settings[key] !== undefined && settings[key] !== before.settings[key]) changes[key] = { from: before.settings[key], to: settings[key] };
    }
    if (Object.keys(changes).length > 0) {
      await services.audit.by(principal, 'org.settings_change', { target: { type: 'org', id: principal.orgId, label: after.name }, details: changes, meta }, tx);
    }
    return { after, changes };
  });
  // Open review rooms (in every process) show the new hand-off state at once.
  if (changes.requiredApprovals) await services.orgSettingsChanged(principal.orgId);
  return orgView(after);
}

export async function listMembers(services: Services, principal: Principal) {
  if (!canListMembers(principal)) throw new AppError('forbidden', 'Agents cannot list members.');
  const members = await services.store.listMembersOfOrg(principal.orgId);
  return {
    items: members.map((m) => ({
      userId: m.userId,
      name: m.user.name,
      email: memberEmailFor(principal, m.user.email),
      role: m.role,
      joinedAt: new Date(m.createdAt).toISOString(),
    })),
  };
}

async function requireMember(tx: StoreTransaction, orgId: string, userId: string) {
  const membership = await tx.getMembership(orgId, userId);
  // Someone outside the org reads the same as someone who does not exist.
  if (!membership) throw new AppError('not_found', 'No member with that id.');
  const user = await tx.getUser(userId);
  return { membership, name: user?.name ?? 'Unknown' };
}

async function ownerCount(tx: StoreTransaction, orgId: string): Promise<number> {
  return (await tx.listMembersOfOrg(orgId)).filter((m) => m.role === 'owner').length;
}

/**
 * Role changes and removals of one org run one at a time across every
 * process: two admins demoting the last two owners at once must not both see
 * "another owner is left".
 */
const membersLock = (orgId: string) => `members:${orgId}`;

export async function changeRole(services: Services, principal: Principal, userId: string, raw: unknown, meta: RequestMeta) {
  const { role } = RoleInput.parse(raw);
  if (!canAdministerOrg(principal)) throw new AppError('forbidden', 'Only admins can change roles.');
  const changed = await services.store.transaction(async (tx) => {
    await tx.lock(membersLock(principal.orgId));
    const { membership, name } = await requireMember(tx, principal.orgId, userId);
    if (membership.role === role) return false;
    if (!canChangeRole(principal, membership.role, role)) throw new AppError('forbidden', 'Only an owner can grant or remove the owner role.');
    if (membership.role === 'owner' && (await ownerCount(tx, principal.orgId)) <= 1) {
      throw new AppError('conflict', 'An organization needs at least one owner; make someone else owner first.');
    }
    await tx.putMembership({ ...membership, role });
    await services.audit.by(principal, 'member.role_change', { target: { type: 'user', id: userId, label: name }, details: { from: membership.role, to: role }, meta }, tx);
    return true;
  });
  // Their open connections (on every instance) reconnect with the new role's access.
  if (changed) services.cutOff({ orgId: principal.orgId, userId }, 'changed');
  return { userId, role };
}

/** Removal (or leaving): the membership, their tokens in this org, and their live sockets go at once. */
export async function removeMember(services: Services, principal: Principal, userId: string, meta: RequestMeta) {
  const now = services.now();
  await services.store.transaction(async (tx) => {
    await tx.lock(membersLock(principal.orgId));
    const { membership, name } = await requireMember(tx, principal.orgId, userId);
    if (!canRemoveMember(principal, userId, membership.role)) throw new AppError('forbidden', 'Only admins can remove members (and only owners remove owners).');
    if (membership.role === 'owner' && (await ownerCount(tx, principal.orgId)) <= 1) {
      throw new AppError('conflict', 'The last owner cannot leave or be removed; make someone else owner first.');
    }
    await tx.deleteMembership(principal.orgId, userId);
    const tokens = await tx.revokeAgentTokensOf(principal.orgId, userId, now);
    await services.audit.by(
      principal,
      'member.remove',
      { target: { type: 'user', id: userId, label: name }, details: { role: membership.role, revokedTokens: tokens.length, left: principal.userId === userId }, meta },
      tx,
    );
  });
  // After the commit: a socket that re-checks at once must already find the membership gone.
  services.cutOff({ orgId: principal.orgId, userId }, 'revoked');
}
