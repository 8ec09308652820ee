import type { Role, TokenScope } from '../store/types';

/** Who is asking, resolved once per request or socket by the server's identify step. */
export type Principal = UserPrincipal | AgentPrincipal;

export interface UserPrincipal {
  kind: 'user';
  userId: string;
  orgId: string;
  role: Role;
  sessionId: string;
  name: string;
  email: string;
}

export interface AgentPrincipal {
  kind: 'agent';
  /** The user the token belongs to; the agent acts on their behalf. */
  userId: string;
  orgId: string;
  /** The owning user's current role: a token never exceeds its user. */
  role: Role;
  tokenId: string;
  scopes: TokenScope[];
  /** The token's name, shown as the agent's display name. */
  name: string;
}

export function displayName(principal: Principal): string {
  return principal.kind === 'agent' ? `${principal.name} (agent)` : principal.name;
}
