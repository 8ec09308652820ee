import { sqlitePathOf } from '../lib/store';
import { formatMode, makePrivateDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, tightenMode } from '../lib/private-files';
import { keyFilePath } from '../lib/auth/key-file';
import type { Config } from './config';
import type { Logger } from './log';

/**
 * Run at start, before storage opens: DATA_DIR is created 0700; it and every
 * file Loupe keeps secrets in (the SQLite database with its -wal and -shm,
 * the key file) lose any group or other permission an earlier version or
 * an operator gave them, with a warning naming each path.
 */
export function securePrivateFiles(config: Pick<Config, 'dataDir' | 'databaseUrl'>, logger: Logger): void {
  makePrivateDir(config.dataDir);
  const tighten = (path: string, mode: number) => {
    const was = tightenMode(path, mode);
    if (was !== null) logger.warn('a private path was open to other local users; it is now owner-only', { path, was: formatMode(was), now: formatMode(was & mode) });
  };
  tighten(config.dataDir, PRIVATE_DIR_MODE);
  const database = sqlitePathOf(config);
  if (database !== null) for (const suffix of ['', '-wal', '-shm']) tighten(database + suffix, PRIVATE_FILE_MODE);
  tighten(keyFilePath(config.dataDir), PRIVATE_FILE_MODE);
}
