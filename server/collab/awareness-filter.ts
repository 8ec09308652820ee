import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { AppError } from '../../lib/errors';
import type { PresenceIdentity } from './peer';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One awareness state is presence data, not content: keep it small (UTF-8 bytes of its JSON). */
export const MAX_AWARENESS_STATE_BYTES = 16 * 1024;

/** One awareness entry as it goes on the wire: the state is its JSON text (`null` removes it). */
export interface AwarenessEntry {
  clientId: number;
  clock: number;
  state: string;
}

/**
 * Reads an incoming awareness update so it can only speak for the
 * connection that sent it: entries for client ids it may not claim (owned
 * by another connection, past its cap of ids, see `Room`) are dropped before
 * their state is even parsed, and every non-null state gets the server's
 * `user` identity in place of whatever the client claimed (and its name and
 * colour in any top-level `name` / `color`, see `stampIdentity`).
 */
export function readAwarenessEntries(
  update: Uint8Array,
  identity: PresenceIdentity,
  mayClaim: (clientId: number) => boolean,
): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const entries: AwarenessEntry[] = [];
  try {
    // No cap on the count: the stock client echoes every state it hears back to the server, so a
    // message may list the whole room. Entries it may not claim are skipped undecoded (a view of
    // their bytes), so a message costs no more than its size, and at most a few entries are kept.
    const count = decoding.readVarUint(decoder);
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const bytes = decoding.readVarUint8Array(decoder);
      if (!mayClaim(clientId)) continue;
      if (bytes.byteLength > MAX_AWARENESS_STATE_BYTES) throw new AppError('bad_request', 'Awareness state too large.');
      const state: unknown = JSON.parse(utf8.decode(bytes));
      if (state !== null && (typeof state !== 'object' || Array.isArray(state))) {
        throw new AppError('bad_request', 'Awareness state must be an object or null.');
      }
      const fixed = state === null ? null : stampIdentity(state as Record<string, unknown>, identity);
      entries.push({ clientId, clock, state: JSON.stringify(fixed) });
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('bad_request', 'Awareness update does not decode.', { cause: error });
  }
  return entries;
}

/** Encodes entries as one awareness update (the y-protocols format). */
export function encodeAwarenessEntries(entries: Iterable<AwarenessEntry>): Uint8Array {
  const list = Array.from(entries);
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, list.length);
  for (const entry of list) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, entry.state);
  }
  return encoding.toUint8Array(encoder);
}

/**
 * Puts the server's identity on a state. Lexical's collaboration cursors
 * label a caret with the state's top-level `name` and `color`, not `user`,
 * so those are overwritten too when present: nobody can put another name on
 * their cursor in the shared notes.
 */
function stampIdentity(state: Record<string, unknown>, identity: PresenceIdentity): Record<string, unknown> {
  const stamped: Record<string, unknown> = { ...state, user: identity };
  if ('name' in state) stamped.name = identity.name;
  if ('color' in state) stamped.color = identity.color;
  return stamped;
}
