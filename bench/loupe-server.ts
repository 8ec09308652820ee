// The Loupe process under benchmark (API + rooms, no pages), with a read-only token for the readers.
// Several of these on one PostgreSQL database and one Redis are the multi-process scenarios' cluster:
// the first one started makes the reader's user and token, the others find them.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { loadConfig } from '../server/config';
import { startLoupeServer } from '../server/loupe-server';
import { silentLogger } from '../server/log';
import { SqliteStore } from '../lib/store/sqlite';
import { openStore } from '../lib/store';
import { hashAgentToken } from '../lib/auth/tokens';
import type { Store } from '../lib/store/types';

const config = loadConfig();
// DATABASE_URL (the multi-process scenarios) picks the backend as `npm start` does; without it, SQLite as before.
const store = config.databaseUrl ? openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }) : new SqliteStore(join(config.dataDir, 'loupe.db'));
// An agent's artifact starts as a draft a person publishes; the bench has no person, so its artifacts are created published.
// On the class, not the instance: artifact creation runs inside a store.transaction, whose view is another object
// (SQLite: the raw store, PostgreSQL: a store bound to the transaction's connection), and an instance override bound
// to the store itself would wait for that very transaction.
const proto = Object.getPrototypeOf(store) as Store;
const createArtifact = proto.createArtifact;
proto.createArtifact = function (this: Store, input) {
  return createArtifact.call(this, { ...input, status: 'published', publishedAt: input.createdAt, publishedBy: input.createdBy });
};
const server = await startLoupeServer({ config, logger: silentLogger, store });
const readerToken = process.env.BENCH_READER_TOKEN;
if (readerToken && !(await store.getAgentTokenByHash(hashAgentToken(readerToken)))) {
  const owner = await store.getUserByEmail(config.adminEmail ?? 'admin@loupe.local');
  const orgId = (await store.listMembershipsOfUser(owner!.id))[0].orgId;
  const userId = randomUUID();
  await store.createUser({ id: userId, email: 'reader@bench.local', name: 'Reader', passwordHash: null, createdAt: Date.now() });
  await store.putMembership({ orgId, userId, role: 'viewer', createdAt: Date.now() });
  await store.createAgentToken({
    id: randomUUID(), orgId, userId, name: 'reader', tokenHash: hashAgentToken(readerToken), scopes: [],
    createdAt: Date.now(), expiresAt: null, lastUsedAt: null, revokedAt: null,
  });
}
process.stdout.write(`READY ${server.appOrigin}\n`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
