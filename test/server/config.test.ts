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

  it('refuses a sandbox on the same site as the app', () => {
    expect(() => loadConfig({ APP_ORIGIN: 'http://localhost:3000', SANDBOX_ORIGIN: 'http://localhost:3001' })).toThrow(/different site/);
    expect(loadConfig({ APP_ORIGIN: 'http://localhost:3000', SANDBOX_ORIGIN: 'http://127.0.0.1:3001' }).sandboxOrigin).toBe('http://127.0.0.1:3001');
  });
});
