// The two wire protocols the multi-process scenarios speak with raw sockets, so one writer and one
// reader serve Loupe and Hocuspocus alike: y-websocket (Loupe: one document per socket, chosen by
// the URL) and Hocuspocus's (every frame starts with the document's name; the first frame for a
// document must be an Auth frame, everything before its answer is queued by the server).
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';

export type Wire = 'y-websocket' | 'hocuspocus';

const SYNC = 0;
const STEP1 = 0;
const STEP2 = 1;
const UPDATE = 2;
const HOCUSPOCUS_AUTH = 2;
const HOCUSPOCUS_AUTH_TOKEN = 0;

/** Where one client connects and how it speaks there. */
export interface Endpoint {
  url: string;
  wire: Wire;
  /** The document's name inside Hocuspocus frames (unused by y-websocket, whose URL names it). */
  doc: string;
}

function start(endpoint: Endpoint): encoding.Encoder {
  const encoder = encoding.createEncoder();
  if (endpoint.wire === 'hocuspocus') encoding.writeVarString(encoder, endpoint.doc);
  return encoder;
}

function syncFrame(endpoint: Endpoint, kind: number, payload: Uint8Array): Uint8Array {
  const encoder = start(endpoint);
  encoding.writeVarUint(encoder, SYNC);
  encoding.writeVarUint(encoder, kind);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

/** What a client sends on open: (Hocuspocus: Auth with an empty token,) then sync step 1 with `stateVector`. */
export function helloFrames(endpoint: Endpoint, stateVector: Uint8Array = new Uint8Array([0])): Uint8Array[] {
  const frames: Uint8Array[] = [];
  if (endpoint.wire === 'hocuspocus') {
    const encoder = start(endpoint);
    encoding.writeVarUint(encoder, HOCUSPOCUS_AUTH);
    encoding.writeVarUint(encoder, HOCUSPOCUS_AUTH_TOKEN);
    encoding.writeVarString(encoder, '');
    frames.push(encoding.toUint8Array(encoder));
  }
  frames.push(syncFrame(endpoint, STEP1, stateVector));
  return frames;
}

export function updateFrame(endpoint: Endpoint, update: Uint8Array): Uint8Array {
  return syncFrame(endpoint, UPDATE, update);
}

/** Offset of the message type in a received frame: past the document name for Hocuspocus. */
export function bodyOffset(wire: Wire, data: Uint8Array): number {
  if (wire === 'y-websocket') return 0;
  const decoder = decoding.createDecoder(data);
  const length = decoding.readVarUint(decoder);
  return decoder.pos + length;
}

export interface SyncPayload {
  kind: 'step1' | 'step2' | 'update';
  payload: Uint8Array;
}

/** The sync message a received frame carries, or null for any other kind (awareness, auth, status). */
export function readSync(wire: Wire, data: Uint8Array): SyncPayload | null {
  const decoder = decoding.createDecoder(data);
  if (wire === 'hocuspocus') decoding.readVarString(decoder);
  const type = decoding.readVarUint(decoder);
  // Hocuspocus answers with SyncReply (4) where y-websocket says Sync: the same payload.
  if (type !== SYNC && !(wire === 'hocuspocus' && type === 4)) return null;
  const kind = decoding.readVarUint(decoder);
  const payload = decoding.readVarUint8Array(decoder);
  if (kind === STEP1) return { kind: 'step1', payload };
  if (kind === STEP2) return { kind: 'step2', payload };
  if (kind === UPDATE) return { kind: 'update', payload };
  return null;
}

/** True when a received frame is sync step 2 (the document as the server has it), without decoding it. */
export function isSyncStep2(wire: Wire, data: Uint8Array): boolean {
  const at = bodyOffset(wire, data);
  return (data[at] === SYNC || (wire === 'hocuspocus' && data[at] === 4)) && data[at + 1] === STEP2;
}
