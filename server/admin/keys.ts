import { readFileSync } from 'node:fs';
import { keyFilePath, newSigningKey, readKeyFile } from '../../lib/auth/key-file';
import { MIN_SIGNING_KEY_LENGTH, splitKeys } from '../../lib/auth/key-ring';
import { writePrivateFile } from '../../lib/private-files';
import { RefusedError } from './sqlite-source';

/**
 * Carrying the signing keys over. The embedded install keeps its key ring in
 * DATA_DIR/auth-secret (or takes it from AUTH_SECRET); a PostgreSQL
 * deployment must take it from AUTH_SECRET (config.ts: several instances share it).
 * So the same ring — every key, the signing one first — goes into a 0600 env
 * file the operator loads into the new deployment's environment: sessions,
 * collab tokens and invitation links signed before the move stay valid. The
 * keys are never printed.
 */

export interface SourceKeys {
  /** The ring, the key that signs first. */
  keys: string[];
  /** Where they were found, for the summary (a path or a variable name, never a key). */
  from: string;
  /** True when the install had no key at all (never started): a fresh one is made. */
  fresh: boolean;
}

export function sourceKeys(options: { dataDir: string; env: Record<string, string | undefined>; legacy: string | null }): SourceKeys {
  const { env, legacy } = options;
  const path = keyFilePath(options.dataDir);
  const fileKeys = readKeyFile(path) ?? [];
  const stored = legacy && !fileKeys.includes(legacy) ? [...fileKeys, legacy] : fileKeys;
  if (env.AUTH_SECRET) {
    // This shell's AUTH_SECRET may or may not be what the server ran with: the key file's keys keep verifying behind it.
    const configured = [...splitKeys(env.AUTH_SECRET), ...splitKeys(env.AUTH_SECRET_PREVIOUS ?? '')];
    const extra = stored.filter((key) => !configured.includes(key));
    return { keys: [...configured, ...extra], from: extra.length > 0 ? `AUTH_SECRET, then ${path}` : 'AUTH_SECRET', fresh: false };
  }
  if (fileKeys.length > 0) return { keys: stored, from: path, fresh: false };
  if (legacy) return { keys: [legacy], from: 'the database (a key an older version stored there)', fresh: false };
  return { keys: [newSigningKey()], from: 'nowhere: a new key', fresh: true };
}

/** What AUTH_SECRET can carry: each key at least 32 characters, no comma or line break (the ring's separators). */
export function checkCarriable(keys: readonly string[]): void {
  for (const [index, key] of keys.entries()) {
    if (key.length < MIN_SIGNING_KEY_LENGTH || /[,\n\r]/.test(key) || key !== key.trim()) {
      throw new RefusedError(
        `signing key #${index + 1} of the install cannot be carried in AUTH_SECRET (it must be at least ${MIN_SIGNING_KEY_LENGTH} characters, without commas, line breaks or surrounding spaces): run \`loupe secret rotate\` and, once its sessions expired, \`loupe secret retire\` first.`,
      );
    }
  }
}

/** Characters a shell, systemd's EnvironmentFile and `docker --env-file` all read literally when unquoted. */
const SAFE_VALUE = /^[A-Za-z0-9._~+/=:@%,-]+$/;

/** Writes the env file (0600, atomically): AUTH_SECRET (the ring) and DATABASE_URL. */
export function writeEnvFile(path: string, keys: readonly string[], databaseUrl: string): void {
  const line = (name: string, value: string) => {
    // Unquoted when it can be (systemd, docker --env-path and `set -a; .` all read it); else single-quoted for shells.
    if (SAFE_VALUE.test(value)) return `${name}=${value}`;
    if (value.includes("'")) throw new RefusedError(`${name} cannot be written to an env file: it contains a single quote.`);
    return `${name}='${value}'`;
  };
  writePrivateFile(
    path,
    [
      `# Loupe on PostgreSQL, written by \`loupe migrate\` at ${new Date().toISOString()}. Keep it private (0600).`,
      '# AUTH_SECRET is the embedded install\'s key ring (the first key signs, every key verifies):',
      '# give every instance this environment and the sessions signed before the move stay valid.',
      line('AUTH_SECRET', keys.join(',')),
      line('DATABASE_URL', databaseUrl),
      '',
    ].join('\n'),
  );
}

/** The AUTH_SECRET ring of an env file written by writeEnvFile (read back to verify what was written). */
export function readEnvFileKeys(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new RefusedError(`${path} does not exist: the env file \`loupe migrate --to\` writes (pass --env-path).`);
    throw error;
  }
  for (const raw of text.split('\n')) {
    const match = /^AUTH_SECRET=(.*)$/.exec(raw.trim());
    if (!match) continue;
    const value = match[1].startsWith("'") && match[1].endsWith("'") ? match[1].slice(1, -1) : match[1];
    return splitKeys(value);
  }
  throw new RefusedError(`${path} has no AUTH_SECRET line.`);
}
