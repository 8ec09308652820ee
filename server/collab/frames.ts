import * as encoding from 'lib0/encoding';
import { MessageType, SyncMessageType } from '../../lib/protocol/messages';

/** Encoders for the server's outgoing y-websocket frames; each frame is built once and sent to many. */
export function encodeSyncStep1Frame(stateVector: Uint8Array): Uint8Array {
  return encodeSync(SyncMessageType.STEP1, stateVector);
}

export function encodeSyncStep2Frame(update: Uint8Array): Uint8Array {
  return encodeSync(SyncMessageType.STEP2, update);
}

export function encodeUpdateFrame(update: Uint8Array): Uint8Array {
  return encodeSync(SyncMessageType.UPDATE, update);
}

export function encodeAwarenessFrame(awarenessUpdate: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.AWARENESS);
  encoding.writeVarUint8Array(encoder, awarenessUpdate);
  return encoding.toUint8Array(encoder);
}

function encodeSync(kind: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.SYNC);
  encoding.writeVarUint(encoder, kind);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

/** The state vector of an empty document encodes as a single zero byte. */
export function isEmptyStateVector(stateVector: Uint8Array): boolean {
  return stateVector.length === 1 && stateVector[0] === 0;
}
