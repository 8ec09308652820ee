import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIN_SIGNING_KEY_LENGTH } from './key-ring';
import { writePrivateFile } from '../private-files';

/** On the embedded default the key ring lives here, 0600, one key a line, the signing key first. */
export const KEY_FILE_NAME = 'auth-secret';

export function keyFilePath(dataDir: string): string {
  return join(dataDir, KEY_FILE_NAME);
}

export function newSigningKey(): string {
  return randomBytes(32).toString('base64url');
}

/** The keys in a key file (blank lines and `#` comments ignored), or null when there is no file. */
export function readKeyFile(path: string): string[] | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const keys = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const short = keys.find((key) => key.length < MIN_SIGNING_KEY_LENGTH);
  if (keys.length === 0 || short !== undefined) {
    throw new Error(`${path} must hold one signing key of at least ${MIN_SIGNING_KEY_LENGTH} characters per line (the first signs).`);
  }
  return keys;
}

export function writeKeyFile(path: string, keys: readonly string[]): void {
  const header = '# Loupe signing keys: the first signs sessions and collab tokens, every one verifies.\n# Keep this file private (0600). See README, "Rotating the signing secret".\n';
  writePrivateFile(path, `${header}${keys.join('\n')}\n`);
}

/** `loupe secret rotate`: a new key signs from the next start; the old ones keep verifying. */
export function rotateKeyFile(dataDir: string): { path: string; keys: number } {
  const path = keyFilePath(dataDir);
  const keys = readKeyFile(path);
  if (!keys) throw new Error(`${path} does not exist: start Loupe once first (or, with AUTH_SECRET set, rotate that instead).`);
  const next = [newSigningKey(), ...keys];
  writeKeyFile(path, next);
  return { path, keys: next.length };
}

/** `loupe secret retire`: drops every key but the one that signs (once what the old ones signed has expired). */
export function retireOldKeys(dataDir: string): { path: string; removed: number } {
  const path = keyFilePath(dataDir);
  const keys = readKeyFile(path);
  if (!keys) throw new Error(`${path} does not exist.`);
  writeKeyFile(path, keys.slice(0, 1));
  return { path, removed: keys.length - 1 };
}
