import type { Principal } from '../../lib/auth/principal';

/** Who a version is by: an agent by its token, a person by their account. */
export interface VersionAuthor {
  kind: 'user' | 'agent';
  id: string;
  name: string;
}

export function authorOf(principal: Principal): VersionAuthor {
  return principal.kind === 'agent'
    ? { kind: 'agent', id: principal.tokenId, name: principal.name }
    : { kind: 'user', id: principal.userId, name: principal.name };
}
