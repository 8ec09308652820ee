import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config';

describe('config', () => {
  it('has working defaults for the embedded setup', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, sandboxPort: 3001, dataDir: './data', logLevel: 'info' });
  });

  it('names the variable that is wrong', () => {
    const attempts: Array<[Record<string, string>, string]> = [
      [{ PORT: 'eighty' }, 'PORT'],
      [{ PORT: '70000' }, 'PORT'],
      [{ LOUPE_ADMIN_PASSWORD: 'short' }, 'LOUPE_ADMIN_PASSWORD'],
      [{ LOUPE_AGENT_TOKEN: 'not-a-token' }, 'LOUPE_AGENT_TOKEN'],
      [{ AUTH_SECRET: 'tiny' }, 'AUTH_SECRET'],
      [{ APP_ORIGIN: 'not a url' }, 'APP_ORIGIN'],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ];
    for (const [env, name] of attempts) {
      expect(() => loadConfig(env), name).toThrow(ConfigError);
      expect(() => loadConfig(env), name).toThrow(name);
    }
  });

  it('takes only http(s) URLs for the origins and the OIDC issuer', () => {
    const oidc = { OIDC_CLIENT_ID: 'loupe', OIDC_CLIENT_SECRET: 'secret' };
    const attempts: Array<[Record<string, string>, string]> = [
      [{ APP_ORIGIN: 'javascript:alert(1)' }, 'APP_ORIGIN'],
      [{ SANDBOX_ORIGIN: 'data:text/html,hi' }, 'SANDBOX_ORIGIN'],
      [{ SANDBOX_ORIGIN: 'file:///tmp' }, 'SANDBOX_ORIGIN'],
      [{ OIDC_ISSUER: 'javascript:alert(1)', ...oidc }, 'OIDC_ISSUER'],
      [{ OIDC_ISSUER: 'ftp://idp.example', ...oidc }, 'OIDC_ISSUER'],
    ];
    for (const [env, name] of attempts) {
      expect(() => loadConfig(env), name).toThrow(ConfigError);
      expect(() => loadConfig(env), name).toThrow(name);
    }
    expect(loadConfig({ OIDC_ISSUER: 'https://idp.example/realms/loupe', ...oidc }).oidc?.issuer).toBe('https://idp.example/realms/loupe');
  });

  it('requires AUTH_SECRET with a shared database, naming the variable (a key in one DATA_DIR cannot be shared)', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://loupe@db/loupe' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://loupe@db/loupe' })).toThrow(/AUTH_SECRET is required/);
    const key = 'x'.repeat(32);
    expect(loadConfig({ DATABASE_URL: 'postgres://loupe@db/loupe', AUTH_SECRET: key }).authSecrets).toEqual([key]);
    // The embedded SQLite file, wherever it is, keeps its key in DATA_DIR.
    expect(loadConfig({ DATABASE_URL: 'sqlite:/var/lib/loupe/loupe.db' }).authSecrets).toBeNull();
  });

  it('takes REDIS_URL (redis:// or rediss://, with a password) only with PostgreSQL, and a REDIS_PREFIX', () => {
    const key = 'k'.repeat(32);
    const pg = { DATABASE_URL: 'postgres://loupe@db/loupe', AUTH_SECRET: key };
    const config = loadConfig({ ...pg, REDIS_URL: 'rediss://:s3cret@redis.internal:6380/2' });
    expect(config.redisUrl).toBe('rediss://:s3cret@redis.internal:6380/2');
    expect(config.redisPrefix).toBe('loupe:');
    expect(loadConfig({ ...pg, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: 'team-a:' }).redisPrefix).toBe('team-a:');
    expect(() => loadConfig({ ...pg, REDIS_URL: 'http://redis.internal:6379' })).toThrow(/REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => loadConfig({ ...pg, REDIS_URL: 'redis://x', REDIS_PREFIX: 'has space' })).toThrow(/REDIS_PREFIX/);
    // Several instances cannot share the embedded SQLite file: refused at start, saying why.
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(/REDIS_URL needs DATABASE_URL to point at PostgreSQL/);
    expect(() => loadConfig({ DATABASE_URL: 'sqlite:/var/lib/loupe/loupe.db', REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(ConfigError);
  });

  it('reads a key ring from AUTH_SECRET (new,old) and AUTH_SECRET_PREVIOUS, every key at least 32 characters', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((ch) => ch.repeat(32));
    expect(loadConfig({ AUTH_SECRET: `${a}, ${b}` }).authSecrets).toEqual([a, b]);
    expect(loadConfig({ AUTH_SECRET: a, AUTH_SECRET_PREVIOUS: `${b},${c}` }).authSecrets).toEqual([a, b, c]);
    expect(() => loadConfig({ AUTH_SECRET: `${a},short` })).toThrow(/AUTH_SECRET must be at least 32/);
    expect(() => loadConfig({ AUTH_SECRET_PREVIOUS: b })).toThrow(/AUTH_SECRET_PREVIOUS needs AUTH_SECRET/);
  });

  it('refuses a sandbox on the same site as the app', () => {
    expect(() => loadConfig({ APP_ORIGIN: 'http://localhost:3000', SANDBOX_ORIGIN: 'http://localhost:3001' })).toThrow(/different site/);
    expect(loadConfig({ APP_ORIGIN: 'http://localhost:3000', SANDBOX_ORIGIN: 'http://127.0.0.1:3001' }).sandboxOrigin).toBe('http://127.0.0.1:3001');
  });
});
