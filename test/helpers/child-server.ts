// A Loupe process (API + rooms, no pages) for tests that must kill it for real or measure its memory.
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../server/config';
import { startLoupeServer } from '../../server/loupe-server';
import { silentLogger } from '../../server/log';
import { openStore } from '../../lib/store';
import { hashAgentToken } from '../../lib/auth/tokens';

const config = loadConfig();
// TEST_VIEWER_TOKEN: an agent token (no scopes) of a viewer in the first org, for tests that play a hostile
// reader. Such a test has no person to publish what the agent creates, so artifacts are created published.
const viewerToken = process.env.TEST_VIEWER_TOKEN;
const store = viewerToken ? openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }) : undefined;
if (store) {
  const createArtifact = store.createArtifact.bind(store);
  store.createArtifact = (input) => createArtifact({ ...input, status: 'published', publishedAt: input.createdAt, publishedBy: input.createdBy });
}
const server = await startLoupeServer({ config, logger: silentLogger, store });
if (store && viewerToken && !(await store.getAgentTokenByHash(hashAgentToken(viewerToken)))) {
  const owner = await store.getUserByEmail(config.adminEmail ?? 'admin@loupe.local');
  const orgId = (await store.listMembershipsOfUser(owner!.id))[0].orgId;
  const userId = randomUUID();
  await store.createUser({ id: userId, email: 'viewer@test.local', name: 'Viewer', passwordHash: null, createdAt: Date.now() });
  await store.putMembership({ orgId, userId, role: 'viewer', createdAt: Date.now() });
  await store.createAgentToken({
    id: randomUUID(), orgId, userId, name: 'viewer', tokenHash: hashAgentToken(viewerToken), scopes: [],
    createdAt: Date.now(), expiresAt: null, lastUsedAt: null, revokedAt: null,
  });
}
process.stdout.write(`READY ${server.appOrigin}\n`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
