import type { AgentTokenRecord, ArtifactRecord, OrgSettings, Role } from '../store/types';
import type { RoomKind } from '../protocol/ids';
import type { Principal } from './principal';

/**
 * Every authorization decision in Loupe lives here. HTTP routes, pages and
 * WebSocket rooms all call these functions; none decides on its own.
 * (The store's listing query mirrors `canSeeArtifact` in SQL so pages of
 * results are full; the API still passes every row through this function.)
 */
export type Access = 'none' | 'read' | 'write';

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export function hasRole(principal: Principal, atLeast: Role): boolean {
  return RANK[principal.role] >= RANK[atLeast];
}

export function isAdmin(principal: Principal): boolean {
  return hasRole(principal, 'admin');
}

/** Governance is done by people; an agent token never manages the org, even its admin's. */
function isAdminUser(principal: Principal): boolean {
  return principal.kind === 'user' && isAdmin(principal);
}

/**
 * Who sees an artifact. Another org's is invisible (callers answer 404, the
 * same as for a missing one). A draft is its creator's alone, until they ask
 * for publication where only admins publish; then admins see it too. A
 * published artifact is seen by the whole org, or by its named members, its
 * creator and the org's admins (who answer for retention and export).
 */
export function canSeeArtifact(principal: Principal, artifact: ArtifactRecord): boolean {
  if (artifact.orgId !== principal.orgId) return false;
  const own = artifact.createdBy === principal.userId;
  if (artifact.status === 'draft') return own || (isAdmin(principal) && artifact.publishRequestedAt !== null);
  if (artifact.visibility === 'org') return true;
  return own || isAdmin(principal) || artifact.members.includes(principal.userId);
}

export function canCreateArtifact(principal: Principal): boolean {
  if (principal.kind === 'agent') return principal.scopes.includes('artifacts:write') && hasRole(principal, 'member');
  return hasRole(principal, 'member');
}

/** May this principal publish in this org at all (the org's `publishRole`)? */
export function mayPublishInOrg(principal: Principal, settings: OrgSettings): boolean {
  return principal.kind === 'user' && hasRole(principal, settings.publishRole);
}

/** Publishing is the human approval step: a person allowed to publish, who can see the draft. */
export function canPublish(principal: Principal, artifact: ArtifactRecord, settings: OrgSettings): boolean {
  return artifact.status === 'draft' && canSeeArtifact(principal, artifact) && mayPublishInOrg(principal, settings);
}

/** Where only admins publish, the draft's owner asks (once) and admins then see it. */
export function canRequestPublication(principal: Principal, artifact: ArtifactRecord, settings: OrgSettings): boolean {
  return (
    principal.kind === 'user' &&
    artifact.status === 'draft' &&
    artifact.orgId === principal.orgId &&
    artifact.createdBy === principal.userId &&
    artifact.publishRequestedAt === null &&
    hasRole(principal, 'member') &&
    !mayPublishInOrg(principal, settings)
  );
}

/** Visibility of a published artifact: its creator (a member or above) or an admin. */
export function canChangeAccess(principal: Principal, artifact: ArtifactRecord): boolean {
  if (principal.kind !== 'user' || artifact.status !== 'published' || !canSeeArtifact(principal, artifact)) return false;
  return isAdmin(principal) || (artifact.createdBy === principal.userId && hasRole(principal, 'member'));
}

export function canSetLegalHold(principal: Principal, artifact: ArtifactRecord): boolean {
  return isAdminUser(principal) && canSeeArtifact(principal, artifact);
}

export function canExportArtifact(principal: Principal, artifact: ArtifactRecord): boolean {
  return isAdminUser(principal) && canSeeArtifact(principal, artifact);
}

/** Members, invitations, roles, org settings and every token of the org. */
export function canAdministerOrg(principal: Principal): boolean {
  return isAdminUser(principal);
}

export function canReadAudit(principal: Principal): boolean {
  return isAdminUser(principal);
}

/** Listing members (to share with them): people only; viewers see names, not emails. */
export function canListMembers(principal: Principal): boolean {
  return principal.kind === 'user';
}

export function canSeeMemberEmails(principal: Principal): boolean {
  return principal.kind === 'user' && hasRole(principal, 'member');
}

/**
 * A person's email as this caller may see it: the one projection every
 * endpoint that returns people goes through (`/org/members`,
 * `/mentionables`, and resolving `@email` in a comment), so none can show
 * more than another. Viewers and agent tokens get null.
 */
export function memberEmailFor(principal: Principal, email: string): string | null {
  return canSeeMemberEmails(principal) ? email : null;
}

/**
 * Role changes: admins manage members and admins; only an owner grants or
 * takes away `owner`. (Keeping one owner is the use case's job.)
 */
export function canChangeRole(principal: Principal, from: Role, to: Role): boolean {
  if (!isAdminUser(principal)) return false;
  if (from === 'owner' || to === 'owner') return principal.role === 'owner';
  return true;
}

/** Removal: admins remove non-owners, owners remove anyone; everyone may leave. */
export function canRemoveMember(principal: Principal, userId: string, theirRole: Role): boolean {
  if (principal.kind !== 'user') return false;
  if (principal.userId === userId) return true;
  if (!isAdmin(principal)) return false;
  return theirRole !== 'owner' || principal.role === 'owner';
}

/** Invitations: admins invite up to their own role. */
export function canInvite(principal: Principal, role: Role): boolean {
  return isAdminUser(principal) && RANK[role] <= RANK[principal.role];
}

/** Tokens are minted by people for themselves, from a signed-in session. */
export function canCreateToken(principal: Principal): boolean {
  return principal.kind === 'user';
}

export function canRevokeToken(principal: Principal, token: AgentTokenRecord): boolean {
  if (principal.kind !== 'user' || token.orgId !== principal.orgId) return false;
  return token.userId === principal.userId || isAdmin(principal);
}

/**
 * Content: agents with a write token and editors (admins, and the artifact's
 * creator) write; everyone else who can see it reads.
 */
export function contentAccess(principal: Principal, artifact: ArtifactRecord): Access {
  if (!canSeeArtifact(principal, artifact)) return 'none';
  if (principal.kind === 'agent') {
    return principal.scopes.includes('artifacts:write') && hasRole(principal, 'member') ? 'write' : 'read';
  }
  if (isAdmin(principal)) return 'write';
  if (artifact.createdBy === principal.userId && hasRole(principal, 'member')) return 'write';
  return 'read';
}

/** Review: members and above write (agents need the comments scope); viewers read. */
export function reviewAccess(principal: Principal, artifact: ArtifactRecord): Access {
  if (!canSeeArtifact(principal, artifact)) return 'none';
  if (principal.kind === 'agent') {
    return principal.scopes.includes('comments:write') && hasRole(principal, 'member') ? 'write' : 'read';
  }
  return hasRole(principal, 'member') ? 'write' : 'read';
}

export function roomAccess(principal: Principal, artifact: ArtifactRecord, room: RoomKind): Access {
  if (room === 'content') return contentAccess(principal, artifact);
  if (room === 'notes') return reviewAccess(principal, artifact);
  // The review room's document is written by the server only (the review use cases validate every
  // change); whoever may see the artifact reads it and shares their presence there.
  return reviewAccess(principal, artifact) === 'none' ? 'none' : 'read';
}
