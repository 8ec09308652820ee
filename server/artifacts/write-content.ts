import { AppError } from '../../lib/errors';
import type { Principal } from '../../lib/auth/principal';
import { contentAccess } from '../../lib/auth/policy';
import { docNameFor } from '../../lib/protocol/ids';
import { MAX_PAGE_BYTES } from '../../lib/protocol/messages';
import { appendToPage, htmlOf, replacePage } from '../../lib/artifact/doc-shape';
import type { ArtifactRecord } from '../../lib/store/types';
import type { Services } from '../services';
import { formatEtag } from './etag';
import { getVisibleArtifact } from './artifact-view';
import type { Room } from '../collab/room';
import { authorOf } from '../versions/author';

export interface WriteResult {
  id: string;
  etag: string;
  changed: boolean;
  sizeBytes: number;
}

export async function writableArtifact(services: Services, principal: Principal, id: string): Promise<ArtifactRecord> {
  const artifact = await getVisibleArtifact(services, principal, id);
  if (contentAccess(principal, artifact) !== 'write') {
    throw new AppError('forbidden', 'This credential may read this artifact but not write it.');
  }
  return artifact;
}

function contentRoom(id: string) {
  return { artifactId: id, kind: 'content' as const, docName: docNameFor(id, 'content') };
}

/**
 * Replaces the page with `html` through the minimal diff and answers only
 * once the change is durable. `ifMatch` (ETags) guards against overwriting
 * a change the caller has not seen.
 */
export async function putContent(
  services: Services,
  principal: Principal,
  id: string,
  html: string,
  ifMatch: string[] | null,
): Promise<WriteResult> {
  await writableArtifact(services, principal, id);
  return services.registry.withRoom(contentRoom(id), (room) => withDocLock(services, room, () => putInRoom(services, principal, room, id, html, ifMatch)));
}

/**
 * When other processes write this document too, an HTTP write holds the
 * document's lock across processes: it diffs against the caught-up page,
 * never against a copy another instance is changing under it. Nothing to
 * take in the single-process default.
 */
export function withDocLock<T>(services: Services, room: Room, work: () => Promise<T>): Promise<T> {
  if (!room.isShared) return work();
  return services.store.withLock(`doc:${room.name.docName}`, work);
}

async function putInRoom(
  services: Services,
  principal: Principal,
  room: Room,
  id: string,
  html: string,
  ifMatch: string[] | null,
): Promise<WriteResult> {
  await room.upToDate();
  const current = formatEtag(room.lastSeq);
  if (ifMatch && !ifMatch.includes('*') && !ifMatch.includes(current)) {
    throw new AppError('precondition_failed', 'The page changed since the version you based this on.', {
      details: { etag: current },
      headers: { etag: current },
    });
  }
  let changed = false;
  const sizeBytes = Buffer.byteLength(html);
  room.applyLocal((doc) => {
    changed = replacePage(doc, html, 'http');
  }, 'http');
  // In the same turn as the change, so the append that stores it records this size with it.
  if (changed) room.noteSize(sizeBytes);
  await room.whenApplied();
  if (changed) {
    services.versionScheduler.noteWrite(id, authorOf(principal));
    services.agentPresence.touch(id, principal);
  }
  return { id, etag: formatEtag(room.lastSeq), changed, sizeBytes };
}

/**
 * The streaming write: each chunk is appended as it arrives (and so reaches
 * viewers while the agent is still generating); the answer comes once the
 * whole stream is durable. `reset` starts from an empty page.
 */
export async function streamContent(
  services: Services,
  principal: Principal,
  id: string,
  chunks: AsyncIterable<Buffer>,
  reset: boolean,
): Promise<WriteResult> {
  await writableArtifact(services, principal, id);
  return services.registry.withRoom(contentRoom(id), async (room: Room) => {
    // Appends go after what any instance has stored, and a reset clears all of it.
    if (room.isShared) await room.upToDate();
    const text = htmlOf(room.doc);
    if (reset && text.length > 0) {
      room.applyLocal(() => text.delete(0, text.length), 'http');
      room.noteSize(0);
    }
    let size = Buffer.byteLength(text.toString());
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let changed = reset;
    // The agent shows as present in the review room for as long as its stream is open.
    const release = services.agentPresence.hold(id, principal);
    try {
      for await (const chunk of chunks) {
        size += chunk.byteLength;
        if (size > MAX_PAGE_BYTES) {
          throw new AppError('payload_too_large', `The page reached the limit of ${MAX_PAGE_BYTES} bytes (16 MiB); the stream was stopped.`);
        }
        const piece = decoder.decode(chunk, { stream: true });
        if (piece.includes('\u0000')) throw new AppError('unsupported_media_type', 'The stream contains NUL bytes; it is not text.');
        room.applyLocal((doc) => appendToPage(doc, piece, 'http'), 'http');
        // The append that stores this chunk records the page's size with it (the bytes received so far).
        room.noteSize(size);
        changed ||= piece.length > 0;
      }
      const tail = decoder.decode();
      room.applyLocal((doc) => appendToPage(doc, tail, 'http'), 'http');
    } catch (error) {
      if (error instanceof TypeError) throw new AppError('unsupported_media_type', 'The stream is not valid UTF-8 text.', { cause: error });
      throw error;
    } finally {
      release();
      // What was appended before a failure is already live; it is made durable either way.
      await room.whenDurable();
    }
    if (room.isShared) await room.whenApplied();
    const sizeBytes = Buffer.byteLength(text.toString());
    if (changed) services.versionScheduler.noteWrite(id, authorOf(principal));
    return { id, etag: formatEtag(room.lastSeq), changed, sizeBytes };
  });
}

/** The page as it stands now, with its ETag. */
export async function readContent(services: Services, principal: Principal, id: string): Promise<{ html: string; etag: string }> {
  await getVisibleArtifact(services, principal, id);
  return services.registry.withRoom(contentRoom(id), async (room) => {
    await room.upToDate();
    return { html: htmlOf(room.doc).toString(), etag: formatEtag(room.lastSeq) };
  });
}
