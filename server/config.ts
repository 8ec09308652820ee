import { z } from 'zod';
import { MIN_SIGNING_KEY_LENGTH, splitKeys } from '../lib/auth/key-ring';
import { httpUrl } from '../lib/http-url';
import { DEFAULT_MAX_SOCKETS_PER_PRINCIPAL } from './collab/limits';
import { DEFAULT_MAX_RESPONSE_BYTES_IN_FLIGHT_PER_PRINCIPAL, DEFAULT_STALLED_WRITE_TIMEOUT_MS } from './limits/response-budget';

/**
 * Everything the process reads from the environment, validated once at
 * start. A bad value stops the server with a message naming the variable.
 */
const port = z.coerce.number().int().min(0).max(65535);
const origin = httpUrl().transform((value) => new URL(value).origin);

const signingKeys = (name: string) =>
  z
    .string()
    .transform(splitKeys)
    .refine((keys) => keys.length > 0 && keys.every((key) => key.length >= MIN_SIGNING_KEY_LENGTH), {
      message: `${name} must be at least ${MIN_SIGNING_KEY_LENGTH} characters (each key, when it lists several separated by commas)`,
    });

const EnvSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).optional(),
  SANDBOX_PORT: port.default(3001),
  /** Where reviewers' browsers reach the app; default http://localhost:PORT. */
  APP_ORIGIN: origin.optional(),
  /** Where the sandbox is reached; default http://127.0.0.1:SANDBOX_PORT (a different site on purpose). */
  SANDBOX_ORIGIN: origin.optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().min(1).optional(),
  /** Connections each process keeps to PostgreSQL (default 10; withLock holds up to half as many more). */
  PG_POOL_MAX: z.coerce.number().int().min(2).max(500).optional(),
  /** Fan-out and coordination between instances: redis://[user:password@]host:port[/db] or rediss:// (TLS). Needs a PostgreSQL DATABASE_URL. */
  REDIS_URL: z
    .string()
    .refine((value) => /^rediss?:\/\/[^\s]+$/.test(value) && URL.canParse(value), {
      message: 'REDIS_URL must be a redis:// or rediss:// URL (e.g. redis://:password@redis.internal:6379/0)',
    })
    .optional(),
  /** Prefix of every Redis key and channel Loupe uses, so several deployments (or tests) can share one Redis. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'REDIS_PREFIX must be 1 to 64 letters, digits or : _ . -')
    .default('loupe:'),
  /** The signing key, or a key ring `new,old,…` (the first signs, all verify); each key at least 32 characters. */
  AUTH_SECRET: signingKeys('AUTH_SECRET').optional(),
  /** Keys that still verify but no longer sign (`old1,old2`), another way to write the ring's tail. */
  AUTH_SECRET_PREVIOUS: signingKeys('AUTH_SECRET_PREVIOUS').optional(),
  LOUPE_ADMIN_EMAIL: z.string().email().optional(),
  LOUPE_ADMIN_PASSWORD: z.string().min(10, 'LOUPE_ADMIN_PASSWORD must be at least 10 characters').optional(),
  LOUPE_AGENT_TOKEN: z
    .string()
    .regex(/^loupe_[A-Za-z0-9_-]{43}$/, 'LOUPE_AGENT_TOKEN must look like loupe_ followed by 43 base64url characters')
    .optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** How long an unused room stays loaded. */
  ROOM_IDLE_UNLOAD_MS: z.coerce.number().int().min(0).default(2000),
  /** Take the client address from X-Forwarded-For (only behind a proxy you run). */
  TRUST_PROXY: z.enum(['0', '1', 'true', 'false']).default('0'),
  /** Failed sign-ins allowed per minute per address (twice that as a burst), and half that per account. */
  RATE_LIMIT_SIGNIN_PER_MIN: z.coerce.number().int().min(1).default(10),
  /** Requests per minute per agent token. */
  RATE_LIMIT_TOKEN_PER_MIN: z.coerce.number().int().min(1).default(1200),
  /**
   * Live WebSocket connections one person (all their sessions and agent tokens) may hold; a browser tab holds
   * three. Counted across every instance when REDIS_URL is set (per process while Redis is unreachable).
   */
  MAX_SOCKETS_PER_PRINCIPAL: z.coerce.number().int().min(1).default(DEFAULT_MAX_SOCKETS_PER_PRINCIPAL),
  /**
   * Response bytes one person may have handed to responses and not yet read, in this process; past it a request
   * for a body gets 429. One response always fits, whatever its size.
   */
  MAX_RESPONSE_BYTES_IN_FLIGHT_PER_PRINCIPAL: z.coerce.number().int().min(1).default(DEFAULT_MAX_RESPONSE_BYTES_IN_FLIGHT_PER_PRINCIPAL),
  /** A response whose client reads nothing for this long is destroyed (its budget freed). */
  STALLED_WRITE_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(DEFAULT_STALLED_WRITE_TIMEOUT_MS),
  /**
   * How often every live socket re-checks its access regardless (the backstop: every change Loupe makes is
   * announced to the sockets at once; this catches changes made directly in the database).
   */
  ACCESS_RECHECK_MS: z.coerce.number().int().min(500).max(3_600_000).default(30_000),
  /** An automatic version is cut once writes to a page have been quiet this long. */
  VERSION_QUIET_MS: z.coerce.number().int().min(100).max(3_600_000).default(3000),
  /** How often the retention job looks for artifacts to purge. */
  RETENTION_SWEEP_MS: z.coerce.number().int().min(1000).default(3_600_000),
  /** A generic OpenID Connect provider (all three, or none). */
  OIDC_ISSUER: httpUrl().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** The button label for the OIDC provider. */
  OIDC_NAME: z.string().min(1).max(60).default('Single sign-on'),
  /** GitHub OAuth app (both, or none). */
  GITHUB_ID: z.string().min(1).optional(),
  GITHUB_SECRET: z.string().min(1).optional(),
});

export interface Config {
  port: number;
  host: string | undefined;
  sandboxPort: number;
  appOrigin: string | undefined;
  sandboxOrigin: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  pgPoolMax: number | undefined;
  redisUrl: string | undefined;
  /** Prefix of Redis keys and channels (REDIS_PREFIX, default `loupe:`). */
  redisPrefix: string;
  /** The signing key ring from the environment (current first), or null: the embedded default keeps it in DATA_DIR/auth-secret. */
  authSecrets: string[] | null;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  agentToken: string | undefined;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  roomIdleUnloadMs: number;
  trustProxy: boolean;
  signInPerMinute: number;
  tokenPerMinute: number;
  maxSocketsPerPrincipal: number;
  accessRecheckMs: number;
  maxResponseBytesInFlightPerPrincipal: number;
  stalledWriteTimeoutMs: number;
  retentionSweepMs: number;
  versionQuietMs: number;
  oidc: { issuer: string; clientId: string; clientSecret: string; name: string } | null;
  github: { clientId: string; clientSecret: string } | null;
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const config: Config = {
    port: e.PORT,
    host: e.HOST,
    sandboxPort: e.SANDBOX_PORT,
    appOrigin: e.APP_ORIGIN,
    sandboxOrigin: e.SANDBOX_ORIGIN,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    pgPoolMax: e.PG_POOL_MAX,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    authSecrets: e.AUTH_SECRET ? [...e.AUTH_SECRET, ...(e.AUTH_SECRET_PREVIOUS ?? [])] : null,
    adminEmail: e.LOUPE_ADMIN_EMAIL,
    adminPassword: e.LOUPE_ADMIN_PASSWORD,
    agentToken: e.LOUPE_AGENT_TOKEN,
    logLevel: e.LOG_LEVEL,
    roomIdleUnloadMs: e.ROOM_IDLE_UNLOAD_MS,
    trustProxy: e.TRUST_PROXY === '1' || e.TRUST_PROXY === 'true',
    signInPerMinute: e.RATE_LIMIT_SIGNIN_PER_MIN,
    tokenPerMinute: e.RATE_LIMIT_TOKEN_PER_MIN,
    maxSocketsPerPrincipal: e.MAX_SOCKETS_PER_PRINCIPAL,
    accessRecheckMs: e.ACCESS_RECHECK_MS,
    maxResponseBytesInFlightPerPrincipal: e.MAX_RESPONSE_BYTES_IN_FLIGHT_PER_PRINCIPAL,
    stalledWriteTimeoutMs: e.STALLED_WRITE_TIMEOUT_MS,
    retentionSweepMs: e.RETENTION_SWEEP_MS,
    versionQuietMs: e.VERSION_QUIET_MS,
    oidc: null,
    github: null,
  };
  const oidcParts = [e.OIDC_ISSUER, e.OIDC_CLIENT_ID, e.OIDC_CLIENT_SECRET];
  if (oidcParts.some(Boolean)) {
    if (!oidcParts.every(Boolean)) {
      throw new ConfigError('Invalid configuration:\n  OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set together.');
    }
    config.oidc = { issuer: e.OIDC_ISSUER!, clientId: e.OIDC_CLIENT_ID!, clientSecret: e.OIDC_CLIENT_SECRET!, name: e.OIDC_NAME };
  }
  if (e.GITHUB_ID || e.GITHUB_SECRET) {
    if (!e.GITHUB_ID || !e.GITHUB_SECRET) throw new ConfigError('Invalid configuration:\n  GITHUB_ID and GITHUB_SECRET must be set together.');
    config.github = { clientId: e.GITHUB_ID, clientSecret: e.GITHUB_SECRET };
  }
  if (e.AUTH_SECRET_PREVIOUS && !e.AUTH_SECRET) {
    throw new ConfigError('Invalid configuration:\n  AUTH_SECRET_PREVIOUS needs AUTH_SECRET (the key that signs now).');
  }
  if (config.redisUrl && !usesSharedStorage(config)) {
    throw new ConfigError(
      'Invalid configuration:\n  REDIS_URL needs DATABASE_URL to point at PostgreSQL (postgres://…): several instances can only share a PostgreSQL database, not the embedded SQLite file. Unset REDIS_URL to run one instance on SQLite.',
    );
  }
  if (usesSharedStorage(config) && !config.authSecrets) {
    throw new ConfigError(
      'Invalid configuration:\n  AUTH_SECRET is required when DATABASE_URL points at a shared database: every instance must sign and verify sessions with the same keys (a key kept in one machine\'s DATA_DIR cannot be shared).',
    );
  }
  if (config.appOrigin && config.sandboxOrigin && siteOf(config.appOrigin) === siteOf(config.sandboxOrigin)) {
    throw new ConfigError(
      'Invalid configuration:\n  SANDBOX_ORIGIN must be a different site from APP_ORIGIN (e.g. localhost vs 127.0.0.1), so artifact frames get their own process.',
    );
  }
  return config;
}

/**
 * Storage that several instances share (anything but the embedded SQLite
 * file): such a setup has no one DATA_DIR, so secrets must come from the
 * environment. The scale-out backends hang their own rules here too.
 */
export function usesSharedStorage(config: Pick<Config, 'databaseUrl'>): boolean {
  return config.databaseUrl !== undefined && !config.databaseUrl.startsWith('sqlite:');
}

/** Scheme + host, ignoring port: what browsers use to decide same-site (close enough for hosts without a public suffix). */
export function siteOf(originValue: string): string {
  const url = new URL(originValue);
  return `${url.protocol}//${url.hostname}`;
}
