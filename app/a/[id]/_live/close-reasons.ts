import { CloseCode } from '../../../../lib/protocol/close-codes';

/**
 * What the reader is told when the server closes the live connection, and
 * whether reconnecting can help. Codes not listed are treated as transient.
 */
export interface CloseExplanation {
  /** A few words for the status pill. */
  label: string;
  message: string;
  /** Stop reconnecting: trying again cannot change the answer. */
  isFinal: boolean;
  action: 'sign-in' | 'retry' | 'none';
}

const EXPLANATIONS: ReadonlyMap<number, CloseExplanation> = new Map([
  [CloseCode.UNAUTHORIZED, { label: 'Signed out', message: 'Your session has ended. Sign in again to keep watching.', isFinal: true, action: 'sign-in' }],
  [CloseCode.REVOKED, { label: 'Access ended', message: 'You were signed out, or your access to this artifact was revoked.', isFinal: true, action: 'sign-in' }],
  [CloseCode.NOT_FOUND, { label: 'Not found', message: 'This artifact no longer exists, or you no longer have access.', isFinal: true, action: 'none' }],
  [CloseCode.TOO_LARGE, { label: 'Page too large', message: 'This page grew past the 16 MiB limit, so live updates stopped.', isFinal: true, action: 'retry' }],
  [CloseCode.DISALLOWED_UPDATE, { label: 'Disconnected', message: 'The server refused a change this room does not accept.', isFinal: true, action: 'retry' }],
  [CloseCode.MALFORMED, { label: 'Disconnected', message: 'The live connection hit a protocol error.', isFinal: true, action: 'retry' }],
  [CloseCode.ACCESS_CHANGED, { label: 'Reconnecting…', message: 'Your access to this artifact changed. Reconnecting…', isFinal: false, action: 'none' }],
  [CloseCode.STORAGE_FAILED, { label: 'Reconnecting…', message: 'The server could not save or load this page. Reconnecting…', isFinal: false, action: 'none' }],
  [CloseCode.SHUTTING_DOWN, { label: 'Reconnecting…', message: 'The server is restarting. Reconnecting…', isFinal: false, action: 'none' }],
  [CloseCode.RATE_LIMITED, { label: 'Reconnecting…', message: 'Too many requests. Reconnecting shortly…', isFinal: false, action: 'none' }],
  [CloseCode.TOO_MANY_SOCKETS, { label: 'Reconnecting…', message: 'Too many live connections are open for your account. Close a few tabs; reconnecting…', isFinal: false, action: 'none' }],
  [CloseCode.SLOW_CONSUMER, { label: 'Reconnecting…', message: 'The connection fell behind. Catching up…', isFinal: false, action: 'none' }],
]);

export function explainClose(code: number): CloseExplanation | null {
  return EXPLANATIONS.get(code) ?? null;
}

export function isFinalClose(code: number): boolean {
  return explainClose(code)?.isFinal ?? false;
}
