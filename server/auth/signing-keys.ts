import { keyRingOf, type KeyRing } from '../../lib/auth/key-ring';
import { keyFilePath, newSigningKey, readKeyFile, writeKeyFile } from '../../lib/auth/key-file';
import type { Store } from '../../lib/store/types';
import type { Logger } from '../log';

/** Where versions before the key file kept the one key: in the database, next to the sessions it signed. */
const LEGACY_SETTING = 'auth_secret';

/**
 * The signing key ring. From AUTH_SECRET (and AUTH_SECRET_PREVIOUS) when
 * set, which shared storage requires (config.ts); otherwise from
 * DATA_DIR/auth-secret, created on first start.
 *
 * A key an earlier version stored in the database moves into the key file
 * (the same key, so sessions it signed stay valid) and is then erased from
 * the database. The file is written first: a crash between the two steps
 * leaves the key in both places, and the next start finishes the move.
 */
export async function loadSigningKeys(options: {
  store: Store;
  dataDir: string;
  configured: readonly string[] | null;
  logger: Logger;
}): Promise<KeyRing> {
  const { store, logger } = options;
  const path = keyFilePath(options.dataDir);
  const legacy = await store.getSetting(LEGACY_SETTING);
  let fileKeys = readKeyFile(path);
  if (legacy !== null) {
    if (fileKeys === null) fileKeys = [legacy];
    // Already moved, or a downgrade stored a new one meanwhile: keep it verifying, behind the current key.
    else if (!fileKeys.includes(legacy)) fileKeys = [...fileKeys, legacy];
    writeKeyFile(path, fileKeys);
    const erased = await store.deleteSetting(LEGACY_SETTING);
    logger.info('moved the signing key out of the database into its own file', { path });
    if (!erased) logger.warn('another process kept the database busy: an old copy of the signing key may stay in its WAL file until the next checkpoint', { path });
  }
  if (options.configured) {
    if (fileKeys !== null) logger.info('AUTH_SECRET is set: the key file is not used', { path });
    return keyRingOf(options.configured);
  }
  if (fileKeys === null) {
    fileKeys = [newSigningKey()];
    writeKeyFile(path, fileKeys);
  }
  return keyRingOf(fileKeys);
}
