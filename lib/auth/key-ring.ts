/**
 * The keys that sign sessions and collab tokens: the first signs, every one
 * verifies. Rotating puts a new key first and keeps the old ones until what
 * they signed has expired (sessions live 30 days), so nobody is signed out.
 */
export interface KeyRing {
  /** The key new sessions and tokens are signed with. */
  readonly current: string;
  /** Every key that still verifies, the current one first. */
  readonly all: readonly string[];
}

/** Each key must carry enough entropy to be a signing key on its own. */
export const MIN_SIGNING_KEY_LENGTH = 32;

export function keyRingOf(keys: readonly string[]): KeyRing {
  const all = Array.from(new Set(keys.map((key) => key.trim()).filter(Boolean)));
  if (all.length === 0) throw new Error('A key ring needs at least one key.');
  return { current: all[0], all };
}

/** `new,old` (commas or newlines): how AUTH_SECRET and AUTH_SECRET_PREVIOUS list several keys. */
export function splitKeys(value: string): string[] {
  return value
    .split(/[,\n]/)
    .map((key) => key.trim())
    .filter(Boolean);
}
