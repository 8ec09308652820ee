import * as encoding from 'lib0/encoding';
import { MessageType } from '../../lib/protocol/messages';

/**
 * Hand-made y-websocket messages for tests that play a hostile or raw client
 * (the stock client would never send these shapes or amounts).
 */

/** Encodes one message with lib0's encoder. */
export function frame(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
}

/** An awareness message setting each entry's state (JSON text) for its client id and clock. */
export function awarenessMessage(entries: Array<{ clientId: number; clock: number; state: string }>): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MessageType.AWARENESS);
    encoding.writeVarUint8Array(e, frame((u) => {
      encoding.writeVarUint(u, entries.length);
      for (const entry of entries) {
        encoding.writeVarUint(u, entry.clientId);
        encoding.writeVarUint(u, entry.clock);
        encoding.writeVarString(u, entry.state);
      }
    }));
  });
}
