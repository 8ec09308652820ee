import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { AppError, isAppError } from '../../lib/errors';
import type { Logger } from '../log';
import { RESPONSE_CHUNK_BYTES, reserveResponse, stalledWriteTimeoutOf, waitForProgress } from '../limits/response-budget';

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/** A JSON answer, counted against the caller's response budget (see sendBody). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendBody(res, status, { ...JSON_HEADERS, ...headers }, Buffer.from(JSON.stringify(body)));
}

/**
 * The one way a whole body goes out. Its bytes are held against the caller's
 * budget of response bytes in flight until the response finishes or closes
 * (over the budget: 429 before anything is written, thrown to the handler).
 * A body larger than one chunk is written in chunks, each waiting for the
 * socket to take the one before; a chunk the client does not read within the
 * stalled-write timeout destroys the response. A smaller one is handed over
 * at once (the socket's buffers take it whole). `head` answers the headers only (HEAD requests).
 */
export function sendBody(res: ServerResponse, status: number, headers: Record<string, string | number>, body: Buffer, head = false): void {
  if (!head) reserveResponse(res, body.byteLength);
  res.writeHead(status, { ...headers, 'content-length': body.byteLength });
  if (head) {
    res.end();
    return;
  }
  // One chunk's worth goes to the socket's buffers at once: no stall to watch for, no timer per answer.
  if (body.byteLength <= RESPONSE_CHUNK_BYTES) {
    res.end(body);
    return;
  }
  void writeBody(res, body);
}

async function writeBody(res: ServerResponse, body: Buffer): Promise<void> {
  const timeoutMs = stalledWriteTimeoutOf(res);
  for (let at = 0; at < body.byteLength && !res.destroyed; at += RESPONSE_CHUNK_BYTES) {
    await writeChunk(res, body.subarray(at, at + RESPONSE_CHUNK_BYTES), timeoutMs);
  }
  await endResponse(res, timeoutMs);
}

/** Ends a response and waits until it is flushed to the socket, destroying it if that stalls. */
export async function endResponse(res: ServerResponse, timeoutMs: number = stalledWriteTimeoutOf(res)): Promise<void> {
  if (res.destroyed) return;
  res.end();
  if (res.writableFinished || res.destroyed) return;
  await waitForProgress(res, 'finish', timeoutMs);
}

/** The one translation from any thrown value to an HTTP answer. */
export function sendError(res: ServerResponse, error: unknown, logger: Logger): void {
  let appError: AppError;
  if (isAppError(error)) appError = error;
  else if (error instanceof z.ZodError) {
    const first = error.issues[0];
    appError = new AppError('bad_request', first ? `${first.path.join('.') || 'body'}: ${first.message}` : 'Invalid request.');
  } else {
    logger.error('unhandled error in request', { error });
    appError = new AppError('internal', 'Something went wrong on our side.');
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // An error is small and never counted: a caller over their response budget must still hear why.
  const payload = JSON.stringify(appError.toJSON());
  res.writeHead(appError.status, { ...JSON_HEADERS, ...appError.headers, 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

/**
 * Reads the whole body up to `limitBytes`. Over the limit it stops reading
 * and throws 413, so nothing of an oversized body is ever stored.
 */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    total += buffer.byteLength;
    if (total > limitBytes) throw tooLarge(limitBytes);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}

export function tooLarge(limitBytes: number): AppError {
  return new AppError('payload_too_large', `The body is over the limit of ${limitBytes} bytes (${formatMiB(limitBytes)}); nothing was stored.`, {
    details: { limitBytes },
  });
}

function formatMiB(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 100) / 100} MiB`;
}

/** Pages must be text; anything declared otherwise is refused before reading. */
export function requireTextBody(req: IncomingMessage): void {
  const type = (req.headers['content-type'] ?? 'text/html').split(';')[0].trim().toLowerCase();
  if (!type.startsWith('text/')) {
    throw new AppError('unsupported_media_type', `The page must be sent as text (e.g. text/html), not ${type}.`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes strict UTF-8; bytes that are not text (invalid UTF-8, NUL) are refused with 415. */
export function decodeText(body: Buffer): string {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch (error) {
    throw new AppError('unsupported_media_type', 'The body is not valid UTF-8 text.', { cause: error });
  }
  if (text.includes('\u0000')) throw new AppError('unsupported_media_type', 'The body contains NUL bytes; it is not text.');
  return text;
}

export async function readJson(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new AppError('unsupported_media_type', 'Send JSON with Content-Type: application/json.');
  const body = await readBody(req, limitBytes);
  try {
    return JSON.parse(decodeText(body)) as unknown;
  } catch (error) {
    if (isAppError(error)) throw error;
    throw new AppError('bad_request', 'The body is not valid JSON.', { cause: error });
  }
}

export function parseIfMatch(header: string | undefined): string[] | null {
  if (!header) return null;
  return header.split(',').map((part) => part.trim().replace(/^W\//, ''));
}

/**
 * Writes one chunk of a long response and, when the client is not reading
 * as fast, waits until it has (or has gone): a slow reader holds back the
 * producer instead of making the server buffer the whole response for it.
 * A client that reads nothing for `timeoutMs` has its response destroyed.
 */
export function writeChunk(res: ServerResponse, chunk: string | Uint8Array, timeoutMs: number = stalledWriteTimeoutOf(res)): Promise<void> {
  if (res.destroyed || res.write(chunk) || res.destroyed) return Promise.resolve();
  return waitForProgress(res, 'drain', timeoutMs);
}
