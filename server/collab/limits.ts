import { TokenBucket } from '../limits/rate-limiter';
import { MAX_AWARENESS_STATE_BYTES, type AwarenessEntry } from './awareness-filter';

/**
 * What one live connection may make the server hold or do, named with units.
 * Every client may be hostile: each budget below is fixed per socket (or per
 * room), so no client can make the server hold memory or do work in
 * proportion to how much it sends or how slowly it reads.
 * docs/ARCHITECTURE.md "Limits and bad input" lists them.
 */

/**
 * Bytes queued for one socket and not yet written to it. Every frame to a peer
 * goes through one send path that checks this; past it the socket is closed
 * with SLOW_CONSUMER (it may reconnect and resync). An empty queue always
 * takes one frame, so a whole-document answer larger than this still goes out.
 */
export const MAX_BUFFERED_BYTES = 48 * 1024 * 1024;

/**
 * Requests that make the server encode a whole state (sync step 1, query
 * awareness), per socket: a burst of this many, then STATE_REQUESTS_PER_SECOND.
 * A real client sends one step 1 per connection. Past the budget the socket is
 * closed with RATE_LIMITED. Besides, while an answer of one kind is still
 * queued for a socket, another request of that kind is not answered (the
 * answer on its way covers it; later changes are broadcast anyway).
 */
export const STATE_REQUESTS_BURST = 10;
export const STATE_REQUESTS_PER_SECOND = 0.5;

/** Awareness client ids one connection may speak for (a real client has one; a page with notes, two). */
export const MAX_AWARENESS_IDS_PER_SOCKET = 4;

/**
 * Awareness bytes (UTF-8 JSON of the states) one connection may have relayed:
 * a burst of AWARENESS_BURST_BYTES (room for every one of its ids at the full
 * state size), refilled at AWARENESS_BYTES_PER_SECOND; each message costs at
 * least AWARENESS_MIN_MESSAGE_BYTES, so small ones are counted too. Past the
 * budget nothing is dropped for a real client: the latest state per id waits
 * and is applied (coalesced) once the budget allows.
 */
export const AWARENESS_BURST_BYTES = MAX_AWARENESS_IDS_PER_SOCKET * (MAX_AWARENESS_STATE_BYTES + 1024);
export const AWARENESS_BYTES_PER_SECOND = 8 * 1024;
export const AWARENESS_MIN_MESSAGE_BYTES = 512;

/**
 * Awareness bytes (UTF-8 JSON of every state) one room holds, so a joiner's
 * presence snapshot and each broadcast window are bounded. A state that would
 * take the room past it is dropped, except that a connection's presence up to
 * SMALL_PRESENCE_BYTES always fits: big states cannot crowd real people out.
 */
export const MAX_ROOM_AWARENESS_BYTES = 1024 * 1024;
export const SMALL_PRESENCE_BYTES = 2 * 1024;

/**
 * Live sockets one principal (a person, with all their sessions and agent
 * tokens) may hold open, by default. A browser tab opens three rooms (page,
 * review, notes); 64 leaves room for a score of tabs. Configured with
 * MAX_SOCKETS_PER_PRINCIPAL; counted across every instance when REDIS_URL is
 * set (server/limits/socket-slots.ts), per process otherwise.
 */
export const DEFAULT_MAX_SOCKETS_PER_PRINCIPAL = 64;

/** One connection's budgets and its awareness waiting past them; created with the socket, dropped with it. */
export class SocketBudget {
  readonly stateRequests = new TokenBucket(STATE_REQUESTS_BURST, STATE_REQUESTS_PER_SECOND);
  readonly awarenessBytes = new TokenBucket(AWARENESS_BURST_BYTES, AWARENESS_BYTES_PER_SECOND);
  /** A sync step 2 answer is queued for this socket and not yet written out. */
  isSyncAnswerQueued = false;
  /** A query-awareness answer is queued for this socket and not yet written out. */
  isAwarenessAnswerQueued = false;
  /** Awareness entries waiting for the byte budget, the latest per client id. */
  readonly pendingAwareness = new Map<number, AwarenessEntry>();
  pendingTimer: NodeJS.Timeout | null = null;

  dispose(): void {
    if (this.pendingTimer) clearTimeout(this.pendingTimer);
    this.pendingTimer = null;
    this.pendingAwareness.clear();
  }
}

/**
 * Bytes of sync answers made for one socket alone (a step 2 for a non-empty
 * state vector: a fresh encode, up to the whole document) that may be queued
 * and not yet written, in the whole process. Past it a socket is answered with
 * the room's shared full-state frame instead (a superset: Yjs skips what the
 * client has), which costs no memory per socket. Only bandwidth changes.
 */
export const MAX_QUEUED_OWN_ANSWER_BYTES = 32 * 1024 * 1024;

/** Counts the bytes of per-socket answers queued in this process (see MAX_QUEUED_OWN_ANSWER_BYTES). */
export class AnswerBudget {
  private bytes = 0;

  constructor(private readonly maxBytes: number = MAX_QUEUED_OWN_ANSWER_BYTES) {}

  /** Takes `size` bytes if they fit; the caller gives them back with `release` once the answer is written or dropped. */
  take(size: number): boolean {
    if (this.bytes + size > this.maxBytes) return false;
    this.bytes += size;
    return true;
  }

  release(size: number): void {
    this.bytes = Math.max(0, this.bytes - size);
  }
}
