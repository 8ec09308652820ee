import type { ServerResponse } from 'node:http';
import { AppError } from '../../lib/errors';
import type { Principal } from '../../lib/auth/principal';
import { principalKey } from './principal-key';

const MiB = 1024 * 1024;

/**
 * Response bytes one person (all their sessions and agent tokens) may have in
 * flight in this process: bodies handed to a response and not yet written
 * out to the socket. A client that asks for big bodies (16 MiB pages,
 * versions, exports) and never reads them would otherwise make the server
 * hold each one for as long as it likes. A request whose body would take the
 * person past it gets 429 `rate_limited`; an empty budget always admits one
 * response, so a single page larger than the budget still goes out.
 * Configured with MAX_RESPONSE_BYTES_IN_FLIGHT_PER_PRINCIPAL.
 */
export const DEFAULT_MAX_RESPONSE_BYTES_IN_FLIGHT_PER_PRINCIPAL = 64 * MiB;

/**
 * A response that makes no write progress for this long (a chunk not taken by
 * the socket, or the end not flushed) is destroyed, and its budget freed.
 * Configured with STALLED_WRITE_TIMEOUT_MS.
 */
export const DEFAULT_STALLED_WRITE_TIMEOUT_MS = 30_000;

/**
 * Bodies are written in chunks of this size, each waiting for the socket to
 * take the one before: a client must read at least this much per stalled-write
 * timeout (about 2 KiB/s at the default) to keep a response alive.
 */
export const RESPONSE_CHUNK_BYTES = 64 * 1024;

/** What a streamed response (an event stream, the audit export) holds at most, written with backpressure. */
export const STREAM_WINDOW_BYTES = 64 * 1024;

/** Budget frees as earlier responses are read (or time out): a retry soon after may fit. */
const RETRY_AFTER_SECONDS = 1;

/** Counts response bytes in flight per person (see DEFAULT_MAX_RESPONSE_BYTES_IN_FLIGHT_PER_PRINCIPAL). */
export class ResponseBudget {
  private readonly inFlight = new Map<string, number>();

  constructor(
    readonly maxBytes: number = DEFAULT_MAX_RESPONSE_BYTES_IN_FLIGHT_PER_PRINCIPAL,
    readonly stalledWriteTimeoutMs: number = DEFAULT_STALLED_WRITE_TIMEOUT_MS,
  ) {}

  bytesInFlight(key: string): number {
    return this.inFlight.get(key) ?? 0;
  }

  /** Throws 429 when `bytes` more would take `key` past the budget (an empty budget admits anything). */
  check(key: string, bytes: number): void {
    const held = this.bytesInFlight(key);
    if (held > 0 && held + bytes > this.maxBytes) throw overBudget(this.maxBytes);
  }

  /** Takes `bytes` for `key` (or throws 429, taking nothing); the returned function gives them back, once. */
  take(key: string, bytes: number): () => void {
    this.check(key, bytes);
    this.inFlight.set(key, this.bytesInFlight(key) + bytes);
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      const left = this.bytesInFlight(key) - bytes;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
    };
  }
}

function overBudget(maxBytes: number): AppError {
  const mib = Math.round((maxBytes / MiB) * 100) / 100;
  return new AppError(
    'rate_limited',
    `Too many response bytes are waiting to be read by this account (the limit is ${mib} MiB in flight). Read or close earlier responses, then try again in ${RETRY_AFTER_SECONDS} s.`,
    { headers: { 'retry-after': String(RETRY_AFTER_SECONDS) }, details: { retryAfterSeconds: RETRY_AFTER_SECONDS, limitBytes: maxBytes } },
  );
}

interface Binding {
  budget: ResponseBudget;
  key: string;
}

const bindings = new WeakMap<ServerResponse, Binding>();

/**
 * Says whose budget a response's body counts against; `authenticate` calls it
 * for every /api/v1 request. Responses no one is bound to (health, errors
 * before authentication, invitation links) are small by construction.
 */
export function bindResponse(res: ServerResponse, budget: ResponseBudget, principal: Principal): void {
  bindings.set(res, { budget, key: principalKey(principal) });
}

/** Refuses early, before a body of about `bytes` is built, when it could not be sent anyway. */
export function checkResponseRoom(res: ServerResponse, bytes: number): void {
  const binding = bindings.get(res);
  binding?.budget.check(binding.key, bytes);
}

/**
 * Holds `bytes` of the response owner's budget until the response finishes
 * (everything handed to the socket) or closes (the client went away, or a
 * stalled write destroyed it), whichever comes first, released exactly once.
 * Throws 429 (before anything is written) when the bytes do not fit.
 */
export function reserveResponse(res: ServerResponse, bytes: number): void {
  const binding = bindings.get(res);
  // Nothing will be written to a response that is already gone.
  if (!binding || res.destroyed || res.writableFinished) return;
  const release = binding.budget.take(binding.key, bytes);
  const done = () => {
    res.off('finish', done);
    res.off('close', done);
    release();
  };
  res.on('finish', done);
  res.on('close', done);
}

/** How long a write to this response may make no progress before it is destroyed. */
export function stalledWriteTimeoutOf(res: ServerResponse): number {
  return bindings.get(res)?.budget.stalledWriteTimeoutMs ?? DEFAULT_STALLED_WRITE_TIMEOUT_MS;
}

/**
 * Waits for `event` ('drain' or 'finish') or the response's close; if neither
 * comes within `timeoutMs` the write has stalled and the response is
 * destroyed (which closes it, and so frees its budget).
 */
export function waitForProgress(res: ServerResponse, event: 'drain' | 'finish', timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off(event, done);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(() => {
      res.destroy();
      done();
    }, timeoutMs);
    res.on(event, done);
    res.on('close', done);
  });
}
