import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { openStore } from '../lib/store';
import type { Store } from '../lib/store/types';
import { setAuthRuntime } from '../lib/runtime';
import { buildAppFrameSrcDirective } from '../lib/sandbox/csp';
import { isArtifactId } from '../lib/protocol/ids';
import { canSeeArtifact } from '../lib/auth/policy';
import { ARTIFACT_VISIBILITY_HEADER } from '../lib/protocol/headers';
import type { Config } from './config';
import { createLogger, type Logger } from './log';
import { LocalPubSub } from './pubsub/local';
import { RedisPubSub } from './pubsub/redis';
import { reconcileReviewRoom, refreshOrgSummaries, refreshReview } from './review/projection';
import { AgentPresence } from './review/agent-presence';
import type { PubSub } from './pubsub/types';
import { Identifier } from './auth/identify';
import { checkPassword } from './auth/password-check';
import { bootstrapFirstStart, type FirstStart } from './auth/bootstrap';
import { loadSigningKeys } from './auth/signing-keys';
import { securePrivateFiles } from './data-dir';
import { RoomRegistry } from './collab/registry';
import { createCollabEndpoint } from './collab/upgrade';
import { buildApiRouter } from './api/routes';
import { sendError, sendJson } from './api/http';
import { createSandboxServer } from './sandbox-server';
import type { CutOff, Services } from './services';
import { Auditor, requestMeta, SYSTEM_ACTOR, type RequestMeta } from './audit/audit';
import { createLimits } from './limits/rate-limiter';
import { RedisRateLimiter } from './limits/redis-rate-limiter';
import { closeCoordinationRedis, connectCoordinationRedis, whenCoordinationReady } from './limits/redis-connection';
import { LocalSocketSlots, RedisSocketSlots, type SocketSlots } from './limits/socket-slots';
import { publishControl, subscribeControl, type AccessScope } from './auth/control-channel';
import { startRetentionJob } from './governance/retention';
import { auditAccountEvent } from './governance/profile';
import { recordView } from './artifacts/record-view';
import { VersionScheduler } from './versions/scheduler';
import { cutVersion } from './versions/versions';
import { rateLimited } from './api/guard';
import { ResponseBudget } from './limits/response-budget';
import { CloseCode } from '../lib/protocol/close-codes';
import { CLIENT_IP_HEADER } from '../lib/protocol/headers';

/** Next.js's request and upgrade handlers, when pages are served (absent in API-only tests). */
export interface PageHandler {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export interface LoupeServer {
  readonly services: Services;
  readonly appOrigin: string;
  readonly sandboxOrigin: string;
  readonly firstStart: FirstStart | null;
  readonly collabSockets: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  pages?: PageHandler;
  logger?: Logger;
  store?: Store;
  pubsub?: PubSub;
}

/** Set by this server on page requests for an artifact the viewer may not see. */
const ARTIFACT_HEADER = ARTIFACT_VISIBILITY_HEADER;

/** Paths served without a session: sign-in, next-auth, Next's assets, health, invitation links, the "no organization" page. */
const PUBLIC_PATH_RE = /^\/(signin|api\/auth\/|_next\/|favicon\.ico|icon\.svg|api\/health|invite\/|no-org)/;

/**
 * Builds and starts one Loupe process: storage, fan-out, identity, rooms,
 * the API, WebSocket upgrades, pages and the sandbox origin.
 */
export async function startLoupeServer(options: StartOptions): Promise<LoupeServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  // Before storage opens, so a database file made private here gives SQLite's -wal and -shm the same mode.
  securePrivateFiles(config, logger);
  const store =
    options.store ??
    openStore({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      pgPoolMax: config.pgPoolMax,
      onUnavailable: (error) => logger.warn('the database is unreachable: requests answer 503 storage_unavailable until it is back', { error }),
    });
  const nodeId = randomUUID();
  const signingKeys = await loadSigningKeys({ store, dataDir: config.dataDir, configured: config.authSecrets, logger });
  const pubsub = options.pubsub ?? (await openPubSub(config, signingKeys.all, logger));
  const authSecret = signingKeys.current;
  const firstStart = await bootstrapFirstStart(store, {
    adminEmail: config.adminEmail,
    adminPassword: config.adminPassword,
    agentToken: config.agentToken,
    now: Date.now(),
  });

  let appOrigin = config.appOrigin ?? '';
  let sandboxOrigin = config.sandboxOrigin ?? '';
  const registry = new RoomRegistry({
    store,
    pubsub,
    nodeId,
    logger,
    idleUnloadMs: config.roomIdleUnloadMs,
    // The review room is a projection of the review tables: brought in line before anyone joins.
    prepare: async (room) => {
      if (room.name.kind !== 'review') return;
      await reconcileReviewRoom(services, room);
      services.agentPresence.apply(room);
    },
    // A stored document held items outside its room's rule (written before the rule): deleted on load, on the trail.
    onRepaired: (room, removed) => {
      const artifactId = room.name.artifactId;
      store
        .getArtifact(artifactId)
        .then((artifact) => {
          if (!artifact) return;
          return services.audit.record({
            orgId: artifact.orgId,
            actor: SYSTEM_ACTOR,
            action: 'artifact.repair',
            artifactId,
            target: { type: 'artifact', id: artifactId, label: artifact.title },
            details: { room: room.name.kind, removedItems: removed },
          });
        })
        .catch((error: unknown) => logger.warn('could not audit a document repair', { doc: room.name.docName, error }));
    },
    keepsBookkeeping: true,
  });
  const identifier = new Identifier({ store, authSecrets: signingKeys.all, appOrigin: () => appOrigin });
  const now = () => Date.now();
  // Shared limits (rate buckets, the socket cap) live in Redis when there is one; each falls back to this process.
  const coordination = config.redisUrl ? connectCoordinationRedis(config.redisUrl, logger) : null;
  if (coordination && !(await whenCoordinationReady(coordination))) logger.warn('starting without Redis: limits are per process until it answers');
  const limits = createLimits(
    { signInPerMinute: config.signInPerMinute, tokenPerMinute: config.tokenPerMinute },
    now,
    coordination ? (name, rule) => new RedisRateLimiter(coordination, `${config.redisPrefix}rl:${name}:`, rule, logger, now) : undefined,
  );
  const socketSlots: SocketSlots = coordination
    ? new RedisSocketSlots(coordination, config.redisPrefix, config.maxSocketsPerPrincipal, logger)
    : new LocalSocketSlots(config.maxSocketsPerPrincipal);
  // Bound once the collab endpoint exists (it needs services itself).
  let cutOffSockets: (match: CutOff, code: number, reason: string) => number = () => 0;
  let recheckSockets: (scope: AccessScope) => number = () => 0;
  const closeMatching = (match: CutOff, why: 'revoked' | 'changed') => {
    const code = why === 'revoked' ? CloseCode.REVOKED : CloseCode.ACCESS_CHANGED;
    const closed = cutOffSockets(match, code, why === 'revoked' ? 'Access was revoked.' : 'Your access changed; reconnect.');
    if (closed > 0) logger.info('closed live sockets', { why, closed });
  };
  const services: Services = {
    store,
    registry,
    pubsub,
    identifier,
    audit: new Auditor(store, logger, now),
    limits,
    responses: new ResponseBudget(config.maxResponseBytesInFlightPerPrincipal, config.stalledWriteTimeoutMs),
    versionScheduler: new VersionScheduler(config.versionQuietMs, logger),
    agentPresence: new AgentPresence(registry, now, { pubsub, nodeId, logger }),
    logger,
    authSecret,
    authSecrets: signingKeys.all,
    trustProxy: config.trustProxy,
    appOrigin: () => appOrigin,
    sandboxOrigin: () => sandboxOrigin,
    now,
    nodeId,
    cutOff: (match, why) => {
      closeMatching(match, why);
      publishControl(pubsub, nodeId, { type: 'cut_off', match, why });
    },
    accessChanged: (scope) => {
      recheckSockets(scope);
      publishControl(pubsub, nodeId, { type: 'access_changed', scope });
    },
    orgSettingsChanged: async (orgId) => {
      publishControl(pubsub, nodeId, { type: 'org_settings', orgId });
      await refreshOrgSummaries(services, orgId);
    },
  };
  // What other processes decided about access, acted on here (only what the bus verified reaches this).
  const unsubscribeControl = subscribeControl(pubsub, nodeId, logger, (message) => {
    if (message.type === 'cut_off') closeMatching(message.match, message.why);
    else if (message.type === 'access_changed') recheckSockets(message.scope);
    else {
      refreshOrgSummaries(services, message.orgId).catch((error: unknown) =>
        logger.warn('could not refresh open review rooms after a settings change', { orgId: message.orgId, error }),
      );
    }
  });
  // The bus may have dropped control messages while Redis was away: every socket re-checks its access now
  // (not at its next backstop), and open review rooms re-project their summary (a settings change missed).
  const stopControlResync = pubsub.onResync(() => {
    const rechecked = recheckSockets({});
    logger.info('re-checked live sockets after the bus reconnected', { rechecked });
    for (const room of registry.loaded()) {
      if (room.name.kind !== 'review') continue;
      void store
        .getArtifact(room.name.artifactId)
        .then((artifact) => (artifact ? refreshReview(services, artifact, { threadIds: [] }) : undefined))
        .catch((error: unknown) => logger.warn('could not refresh a review room after the bus reconnected', { doc: room.name.docName, error }));
    }
  });

  const metaFrom = (ip: string | null, userAgent: string | null): RequestMeta => ({ ip, userAgent });
  setAuthRuntime({
    authSecrets: [...signingKeys.all],
    oidc: config.oidc,
    github: config.github,
    authenticate: async (email, password, from) => {
      const normalized = email.trim().toLowerCase();
      const meta = metaFrom(from.ip, from.userAgent);
      // One budget of password checks per address and per account: taken before scrypt, given back on success.
      const user = await store.getUserByEmail(normalized);
      const checked = await checkPassword(limits, { email: normalized, ip: meta.ip }, password, user?.passwordHash ?? null);
      if (!checked.ok && checked.reason === 'rate_limited') {
        return { ok: false, reason: 'rate_limited', retryAfterSeconds: Math.max(1, Math.ceil(checked.retryAfterMs / 1000)) };
      }
      if (!user || !checked.ok) {
        if (user) await auditAccountEvent(services, user.id, { kind: 'anonymous', id: null, name: normalized }, 'auth.sign_in_failed', meta, { email: normalized });
        else logger.info('sign-in failed for an unknown email', { ip: meta.ip });
        return { ok: false, reason: 'invalid' };
      }
      return { ok: true, user: { id: user.id, name: user.name, email: user.email } };
    },
    linkExternalAccount: async ({ email, name, provider }) => {
      const normalized = email.trim().toLowerCase();
      const existing = await store.getUserByEmail(normalized);
      if (existing) return { id: existing.id, name: existing.name, email: existing.email };
      const id = randomUUID();
      // A new person from the identity provider has no organization until an invitation adds them.
      await store.createUser({ id, email: normalized, name: name?.trim() || normalized, passwordHash: null, createdAt: Date.now() });
      logger.info('created an account from an identity provider', { provider });
      return { id, name: name?.trim() || normalized, email: normalized };
    },
    createSession: async (userId, from, provider) => {
      const id = randomUUID();
      const at = Date.now();
      await store.createSession({ id, userId, createdAt: at, expiresAt: at + 30 * 24 * 3600 * 1000, revokedAt: null });
      const user = await store.getUser(userId);
      await auditAccountEvent(services, userId, { kind: 'user', id: userId, name: user?.name ?? 'Unknown' }, 'auth.sign_in', metaFrom(from.ip, from.userAgent), { provider });
      return id;
    },
    revokeSession: async (sessionId) => {
      const session = await store.transaction(async (tx) => {
        const session = await tx.getSession(sessionId);
        await tx.revokeSession(sessionId, Date.now());
        if (!session) return null;
        const user = await tx.getUser(session.userId);
        await auditAccountEvent(services, session.userId, { kind: 'user', id: session.userId, name: user?.name ?? 'Unknown' }, 'auth.sign_out', metaFrom(null, null), {}, tx);
        return session;
      });
      if (session) services.cutOff({ userId: session.userId, kind: 'user' }, 'revoked');
    },
  });

  // A single-sign-on button is a form whose answer redirects to the identity provider: form-action must allow it.
  const signInOrigins = [config.oidc ? new URL(config.oidc.issuer).origin : null, config.github ? 'https://github.com' : null]
    .filter(Boolean)
    .map((origin) => ` ${origin}`)
    .join('');
  services.versionScheduler.bind((artifactId, author) => cutVersion(services, { artifactId, author, kind: 'auto', message: '' }));
  const router = buildApiRouter(services);
  const collab = createCollabEndpoint(services, {
    maxSocketsPerPrincipal: config.maxSocketsPerPrincipal,
    slots: socketSlots,
    revalidateIntervalMs: config.accessRecheckMs,
  });
  cutOffSockets = (match, code, reason) => collab.cutOff(match, code, reason);
  recheckSockets = (scope) => collab.recheck(scope);
  const stopRetention = startRetentionJob(services, config.retentionSweepMs);
  let isReady = false;

  const handleRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://loupe.invalid');
    try {
      if (url.pathname === '/api/health') {
        sendJson(res, isReady ? 200 : 503, { ok: isReady });
        return;
      }
      const meta = requestMeta(req, config.trustProxy);
      // An address that keeps failing to sign in is refused before next-auth sees the attempt.
      if (req.method === 'POST' && url.pathname === '/api/auth/callback/credentials') {
        const limited = await limits.signInByIp.peek(`ip:${meta.ip ?? 'unknown'}`);
        if (!limited.ok) throw rateLimited(limited.retryAfterMs, 'sign-in attempts');
      }
      const route = router.match(req.method ?? 'GET', url.pathname);
      if (route) {
        await route.handler({ req, res, url, params: route.params });
        return;
      }
      if (!options.pages) {
        sendJson(res, 404, { error: { code: 'not_found', message: 'No such route.' } });
        return;
      }
      setAppSecurityHeaders(res, sandboxOrigin, appOrigin, signInOrigins);
      // Only this server says whether an artifact exists, or where a request came from; a client cannot claim either.
      delete req.headers[ARTIFACT_HEADER];
      req.headers[CLIENT_IP_HEADER] = meta.ip ?? '';
      if (!PUBLIC_PATH_RE.test(url.pathname) && !url.pathname.startsWith('/api/')) {
        const principal = await identifier.fromSessionCookie(req);
        if (!principal) {
          // Signed in, but in no organization (a new single-sign-on account, or removed from the last one).
          const orphan = await identifier.sessionOf(req);
          const location = orphan ? '/no-org' : `/signin?callbackUrl=${encodeURIComponent(url.pathname + url.search)}`;
          res.writeHead(303, { location });
          res.end();
          return;
        }
        const artifactId = /^\/a\/([^/]+)/.exec(url.pathname)?.[1];
        if (artifactId) {
          const artifact = isArtifactId(artifactId) ? await store.getArtifact(artifactId) : null;
          // Missing and not-yours read the same: the page answers 404 either way.
          if (!artifact || !canSeeArtifact(principal, artifact)) req.headers[ARTIFACT_HEADER] = 'missing';
          // A navigation (full load or client-side) is a view; a link prefetch is not.
          else if (req.method === 'GET' && !req.headers['next-router-prefetch']) recordView(services, principal, artifact.id, meta, 'page');
        }
      }
      await options.pages.handle(req, res);
    } catch (error) {
      sendError(res, error, logger);
    }
  };

  const app: Server = createServer((req, res) => void handleRequest(req, res));
  app.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (path.startsWith('/collab/')) collab.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  const sandbox = createSandboxServer(() => appOrigin);

  await listen(app, config.port, config.host);
  await listen(sandbox, config.sandboxPort, config.host ?? '127.0.0.1');
  const appPort = (app.address() as AddressInfo).port;
  const sandboxPort = (sandbox.address() as AddressInfo).port;
  appOrigin ||= `http://localhost:${appPort}`;
  sandboxOrigin ||= `http://127.0.0.1:${sandboxPort}`;
  if (options.pages) {
    // next-auth builds its URLs (the OAuth redirect_uri, where to go after a callback) from AUTH_URL, else from the
    // request's URL; in a custom server Next gives route handlers a placeholder http://localhost:3000 URL, so a
    // provider callback would send a redirect_uri different from the one the sign-in sent, and redirect to port 3000.
    // The app origin is also what the session cookie's name follows (see Identifier), so next-auth uses exactly it.
    process.env.AUTH_URL = appOrigin;
  }
  isReady = true;

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      isReady = false;
      unsubscribeControl();
      stopControlResync();
      await stopRetention();
      services.agentPresence.close();
      // Stop accepting, tell live clients, flush every room, then close storage.
      const closed = Promise.all([closeServer(app), closeServer(sandbox)]);
      collab.close();
      await services.versionScheduler.flush();
      await registry.closeAll();
      app.closeAllConnections();
      sandbox.closeAllConnections();
      await closed;
      await pubsub.close();
      await socketSlots.close();
      if (coordination) await closeCoordinationRedis(coordination);
      await store.close();
    })();
    return stopping;
  };

  return {
    services,
    get appOrigin() {
      return appOrigin;
    },
    get sandboxOrigin() {
      return sandboxOrigin;
    },
    get collabSockets() {
      return collab.sockets.size;
    },
    firstStart,
    stop,
  };
}

/** How long start waits for Redis before serving anyway (the bus reconnects by itself and rooms resync then). */
const REDIS_START_WAIT_MS = 10_000;

/** Redis when the deployment spans processes (REDIS_URL), else the in-process bus. Messages are signed with the AUTH_SECRET ring. */
async function openPubSub(config: Config, secrets: readonly string[], logger: Logger): Promise<PubSub> {
  if (!config.redisUrl) return new LocalPubSub();
  const bus = new RedisPubSub({ url: config.redisUrl, prefix: config.redisPrefix, secrets, logger });
  if (!(await bus.connected(REDIS_START_WAIT_MS))) logger.warn('Redis is not reachable yet; serving, and rooms catch up once it is');
  return bus;
}

/** The app's own CSP: its pages may frame only the sandbox origin, which also bounds where a frame can navigate. */
function setAppSecurityHeaders(res: ServerResponse, sandboxOrigin: string, appOrigin: string, signInOrigins: string): void {
  const wsOrigin = appOrigin.replace(/^http/, 'ws');
  res.setHeader(
    'content-security-policy',
    [
      "default-src 'self'",
      "script-src 'self' 'unsafe-inline'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "font-src 'self' data:",
      `connect-src 'self' ${wsOrigin}`,
      buildAppFrameSrcDirective(sandboxOrigin),
      "frame-ancestors 'none'",
      "base-uri 'self'",
      `form-action 'self'${signInOrigins}`,
      "object-src 'none'",
    ].join('; '),
  );
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'same-origin');
}

function listen(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
