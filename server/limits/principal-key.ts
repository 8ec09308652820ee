import type { Principal } from '../../lib/auth/principal';

/**
 * Whose use counts together against a per-person limit (live sockets,
 * response bytes in flight): one person's, whatever session or agent token
 * they came with, so minting tokens or signing in again does not multiply it.
 */
export function principalKey(principal: Principal): string {
  return `user:${principal.userId}`;
}
