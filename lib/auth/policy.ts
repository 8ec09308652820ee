import type { ArtifactRecord, Role } from '../store/types';
import type { RoomKind } from '../protocol/ids';
import type { Principal } from './principal';

/**
 * Every authorization decision in Loupe lives here. HTTP routes, pages and
 * WebSocket rooms all call these functions; none decides on its own.
 */
export type Access = 'none' | 'read' | 'write';

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export function hasRole(principal: Principal, atLeast: Role): boolean {
  return RANK[principal.role] >= RANK[atLeast];
}

/** Another org's artifact, or someone else's draft, is invisible: callers answer 404. */
export function canSeeArtifact(principal: Principal, artifact: ArtifactRecord): boolean {
  if (artifact.orgId !== principal.orgId) return false;
  return artifact.status === 'published' || artifact.createdBy === principal.userId;
}

export function canCreateArtifact(principal: Principal): boolean {
  if (principal.kind === 'agent') return principal.scopes.includes('artifacts:write') && hasRole(principal, 'member');
  return hasRole(principal, 'member');
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
  if (hasRole(principal, 'admin')) return 'write';
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
  return room === 'review' ? reviewAccess(principal, artifact) : contentAccess(principal, artifact);
}
