import type { Access } from '../../lib/auth/policy';
import type { Principal } from '../../lib/auth/principal';

/**
 * A connection reduced to what a room needs; the room never sees `ws`.
 * Tests and other transports implement the same three members.
 */
export interface Peer {
  send(data: Uint8Array): void;
  close(code: number, reason: string): void;
  /** Bytes queued but not yet written to the socket. */
  readonly bufferedAmount: number;
}

/** Presence identity, fixed by the server: a client cannot claim another's name or colour. */
export interface PresenceIdentity {
  id: string;
  name: string;
  color: string;
  kind: 'user' | 'agent';
}

export interface Member {
  peer: Peer;
  access: Access;
  principal: Principal;
  identity: PresenceIdentity;
  /** Awareness client ids this connection controls; removed when it leaves. */
  awarenessIds: Set<number>;
}

const PALETTE = ['#e5484d', '#f76b15', '#ffc53d', '#46a758', '#12a594', '#0090ff', '#3e63dd', '#8e4ec6', '#d6409f', '#ad7f58'];

/** A stable colour per user id, so everyone sees the same colour for the same person. */
export function colorFor(id: string): string {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (Math.imul(hash, 31) + id.charCodeAt(i)) | 0;
  return PALETTE[Math.abs(hash) % PALETTE.length];
}
