import { z } from 'zod';

/**
 * Everything the process reads from the environment, validated once at
 * start. A bad value stops the server with a message naming the variable.
 */
const port = z.coerce.number().int().min(0).max(65535);
const origin = z
  .string()
  .url()
  .transform((value) => new URL(value).origin);

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
  REDIS_URL: z.string().min(1).optional(),
  AUTH_SECRET: z.string().min(32, 'AUTH_SECRET must be at least 32 characters').optional(),
  LOUPE_ADMIN_EMAIL: z.string().email().optional(),
  LOUPE_ADMIN_PASSWORD: z.string().min(10, 'LOUPE_ADMIN_PASSWORD must be at least 10 characters').optional(),
  LOUPE_AGENT_TOKEN: z
    .string()
    .regex(/^loupe_[A-Za-z0-9_-]{43}$/, 'LOUPE_AGENT_TOKEN must look like loupe_ followed by 43 base64url characters')
    .optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** How long an unused room stays loaded. */
  ROOM_IDLE_UNLOAD_MS: z.coerce.number().int().min(0).default(2000),
});

export interface Config {
  port: number;
  host: string | undefined;
  sandboxPort: number;
  appOrigin: string | undefined;
  sandboxOrigin: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  authSecret: string | undefined;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  agentToken: string | undefined;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  roomIdleUnloadMs: number;
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
    redisUrl: e.REDIS_URL,
    authSecret: e.AUTH_SECRET,
    adminEmail: e.LOUPE_ADMIN_EMAIL,
    adminPassword: e.LOUPE_ADMIN_PASSWORD,
    agentToken: e.LOUPE_AGENT_TOKEN,
    logLevel: e.LOG_LEVEL,
    roomIdleUnloadMs: e.ROOM_IDLE_UNLOAD_MS,
  };
  if (config.appOrigin && config.sandboxOrigin && siteOf(config.appOrigin) === siteOf(config.sandboxOrigin)) {
    throw new ConfigError(
      'Invalid configuration:\n  SANDBOX_ORIGIN must be a different site from APP_ORIGIN (e.g. localhost vs 127.0.0.1), so artifact frames get their own process.',
    );
  }
  return config;
}

/** Scheme + host, ignoring port: what browsers use to decide same-site (close enough for hosts without a public suffix). */
export function siteOf(originValue: string): string {
  const url = new URL(originValue);
  return `${url.protocol}//${url.hostname}`;
}
