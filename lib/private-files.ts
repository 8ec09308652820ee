import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Loupe's files hold secrets (sessions, hashed tokens, the signing keys,
 * every page): only the user Loupe runs as may read them. Directories are
 * 0700, files 0600, from the moment they are created.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the directory (and missing parents) as 0700; an existing one is left as it is (see `tightenMode`). */
export function makePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Creates an empty file as 0600 if it does not exist, so whatever opens it next (SQLite) finds it private. */
export function touchPrivateFile(path: string): void {
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
}

/**
 * Takes group and other permissions off an existing path. Returns the mode
 * it had when that was looser (for a warning), null when it was already
 * private or does not exist.
 */
export function tightenMode(path: string, mode: number): number | null {
  let current: number;
  try {
    current = statSync(path).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if ((current & ~mode & 0o777) === 0) return null;
  chmodSync(path, current & mode);
  return current;
}

/** Replaces a file's content atomically (temp file created 0600, fsync, rename, fsync the directory). */
export function writePrivateFile(path: string, content: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', PRIVATE_FILE_MODE);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** `0755`-style, for messages. */
export function formatMode(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}
