import type { Access } from '../../lib/auth/policy';
import type { Principal } from '../../lib/auth/principal';
import type { SocketBudget } from './limits';

/**
 * A connection reduced to what a room needs; the room never sees `ws`.
 * Tests and other transports implement the same three members.
 */
export interface Peer {
  /**
   * Queues a frame. The one send path for everything to this peer: it enforces
   * the buffer cap (`MAX_BUFFERED_BYTES`) and closes a peer past it. `onDone`
   * runs once the frame is no longer queued: written out, or dropped (the
   * socket closed first, or the frame was refused).
   */
  send(data: Uint8Array, onDone?: () => void): void;
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
  /** What this connection may still ask of the server (see limits.ts). */
  budget: SocketBudget;
}

export { colorFor } from '../../lib/protocol/presence';
