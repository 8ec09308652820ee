import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { AppError } from '../../lib/errors';
import type { PresenceIdentity } from './peer';

/** One awareness state is presence data, not content: keep it small. */
export const MAX_AWARENESS_STATE_BYTES = 16 * 1024;

/**
 * Rewrites an incoming awareness update so it can only speak for the
 * connection that sent it: entries for client ids owned by another
 * connection are dropped, and every non-null state gets the server's
 * `user` identity in place of whatever the client claimed (and its name
 * and colour in any top-level `name` / `color`, see `stampIdentity`).
 * Returns the rewritten update and the client ids it touched.
 */
export function rewriteAwarenessUpdate(
  update: Uint8Array,
  identity: PresenceIdentity,
  isOwnedByOther: (clientId: number) => boolean,
): { update: Uint8Array; clientIds: number[] } {
  const decoder = decoding.createDecoder(update);
  const encoder = encoding.createEncoder();
  const entries: Array<{ clientId: number; clock: number; state: string }> = [];
  try {
    const count = decoding.readVarUint(decoder);
    if (count > 64) throw new AppError('bad_request', 'Too many awareness entries in one message.');
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const raw = decoding.readVarString(decoder);
      if (raw.length > MAX_AWARENESS_STATE_BYTES) throw new AppError('bad_request', 'Awareness state too large.');
      if (isOwnedByOther(clientId)) continue;
      const state: unknown = JSON.parse(raw);
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
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, entry.state);
  }
  return { update: encoding.toUint8Array(encoder), clientIds: entries.map((e) => e.clientId) };
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
