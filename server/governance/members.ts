import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../lib/errors';
import type { Principal } from '../../lib/auth/principal';
import { canAdministerOrg, canChangeRole, canListMembers, canRemoveMember, memberEmailFor } from '../../lib/auth/policy';
import { ROLES, type OrgRecord, type Role } from '../../lib/store/types';
import { actorOf, type RequestMeta } from '../audit/audit';
import { refreshOrgSummaries } from '../review/projection';
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

async function requireOrg(services: Services, orgId: string): Promise<OrgRecord> {
  const org = await services.store.getOrg(orgId);
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
  await services.store.createOrg({ id, name, createdAt: now });
  await services.store.putMembership({ orgId: id, userId: principal.userId, role: 'owner', createdAt: now });
  await services.audit.record({
    orgId: id,
    actor: actorOf(principal),
    action: 'org.create',
    target: { type: 'org', id, label: name },
    meta,
  });
  return { id, name, role: 'owner' as const };
}

export async function getOrg(services: Services, principal: Principal) {
  return orgView(await requireOrg(services, principal.orgId));
}

export async function updateOrg(services: Services, principal: Principal, raw: unknown, meta: RequestMeta) {
  if (!canAdministerOrg(principal)) throw new AppError('forbidden', 'Only admins can change organization settings.');
  const patch = OrgPatch.parse(raw);
  const before = await requireOrg(services, principal.orgId);
  const { name, ...settings } = patch;
  const after = (await services.store.updateOrg(principal.orgId, { name, settings }))!;
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  if (name !== undefined && name !== before.name) changes.name = { from: before.name, to: name };
  for (const key of Object.keys(settings) as Array<keyof typeof settings>) {
    if (settings[key] !== undefined && settings[key] !== before.settings[key]) changes[key] = { from: before.settings[key], to: settings[key] };
  }
  if (changes.requiredApprovals) await refreshOrgSummaries(services, principal.orgId);
  if (Object.keys(changes).length > 0) {
    await services.audit.by(principal, 'org.settings_change', {
      target: { type: 'org', id: principal.orgId, label: after.name },
      details: changes,
      meta,
    });
  }
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

async function requireMember(services: Services, orgId: string, userId: string) {
  const membership = await services.store.getMembership(orgId, userId);
  // Someone outside the org reads the same as someone who does not exist.
  if (!membership) throw new AppError('not_found', 'No member with that id.');
  const user = await services.store.getUser(userId);
  return { membership, name: user?.name ?? 'Unknown' };
}

async function ownerCount(services: Services, orgId: string): Promise<number> {
  return (await services.store.listMembersOfOrg(orgId)).filter((m) => m.role === 'owner').length;
}

export async function changeRole(services: Services, principal: Principal, userId: string, raw: unknown, meta: RequestMeta) {
  const { role } = RoleInput.parse(raw);
  if (!canAdministerOrg(principal)) throw new AppError('forbidden', 'Only admins can change roles.');
  const { membership, name } = await requireMember(services, principal.orgId, userId);
  if (membership.role === role) return { userId, role };
  if (!canChangeRole(principal, membership.role, role)) throw new AppError('forbidden', 'Only an owner can grant or remove the owner role.');
  if (membership.role === 'owner' && (await ownerCount(services, principal.orgId)) <= 1) {
    throw new AppError('conflict', 'An organization needs at least one owner; make someone else owner first.');
  }
  await services.store.putMembership({ ...membership, role });
  await services.audit.by(principal, 'member.role_change', {
    target: { type: 'user', id: userId, label: name },
    details: { from: membership.role, to: role },
    meta,
  });
  // Their open connections reconnect with the new role's access.
  services.cutOff({ orgId: principal.orgId, userId }, 'changed');
  return { userId, role };
}

/** Removal (or leaving): the membership, their tokens in this org, and their live sockets go at once. */
export async function removeMember(services: Services, principal: Principal, userId: string, meta: RequestMeta) {
  const { membership, name } = await requireMember(services, principal.orgId, userId);
  if (!canRemoveMember(principal, userId, membership.role)) throw new AppError('forbidden', 'Only admins can remove members (and only owners remove owners).');
  if (membership.role === 'owner' && (await ownerCount(services, principal.orgId)) <= 1) {
    throw new AppError('conflict', 'The last owner cannot leave or be removed; make someone else owner first.');
  }
  const now = services.now();
  await services.store.deleteMembership(principal.orgId, userId);
  const tokens = await services.store.revokeAgentTokensOf(principal.orgId, userId, now);
  services.cutOff({ orgId: principal.orgId, userId }, 'revoked');
  await services.audit.by(principal, 'member.remove', {
    target: { type: 'user', id: userId, label: name },
    details: { role: membership.role, revokedTokens: tokens.length, left: principal.userId === userId },
    meta,
  });
}
