import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Agent tokens look like `loupe_<43 base64url chars>`; the prefix makes leaks greppable. */
export const AGENT_TOKEN_PREFIX = 'loupe_';
const AGENT_TOKEN_RE = /^loupe_[A-Za-z0-9_-]{43}$/;

export function generateAgentToken(): string {
  return AGENT_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function isWellFormedAgentToken(token: string): boolean {
  return AGENT_TOKEN_RE.test(token);
}

/** Tokens carry 256 bits of entropy, so a fast hash is enough; only the hash is stored. */
export function hashAgentToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A short, non-secret fingerprint for logs: never log the token itself. */
export function tokenFingerprint(token: string): string {
  return hashAgentToken(token).slice(0, 8);
}

/**
 * Compact HMAC-signed claims (`<payload>.<signature>`, base64url), used for
 * short-lived collab tokens. Signed with one key (the key ring's current
 * one); verification accepts any key of the ring, checks the signature in
 * constant time and the `exp` (seconds) against the server clock.
 */
export function signClaims(claims: Record<string, unknown> & { exp: number }, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = createHmac('sha256', secret).update(payload).digest('base64url');
  return `${payload}.${signature}`;
}

export function verifyClaims(token: string, secrets: string | readonly string[], nowMs: number): Record<string, unknown> | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 4096) return null;
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const signedBy = (secret: string) => {
    const expected = createHmac('sha256', secret).update(payload).digest();
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  if (!(typeof secrets === 'string' ? [secrets] : secrets).some(signedBy)) return null;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
  if (typeof claims !== 'object' || claims === null) return null;
  const exp = (claims as { exp?: unknown }).exp;
  if (typeof exp !== 'number' || exp * 1000 <= nowMs) return null;
  return claims as Record<string, unknown>;
}
