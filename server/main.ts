import type { IncomingMessage, ServerResponse } from 'node:http';
import next from 'next';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './log';
import { startLoupeServer } from './loupe-server';

/**
 * The composition root: config → Next.js (production build) → Loupe
 * server. Prints the URL and, on a first start, the admin's sign-in and the
 * agent token (shown once).
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  process.env.AUTH_TRUST_HOST = 'true';
  const nextApp = next({ dev: false, dir: process.cwd() });
  await nextApp.prepare();
  const handle = nextApp.getRequestHandler();
  const server = await startLoupeServer({
    config,
    logger,
    pages: { handle: (req: IncomingMessage, res: ServerResponse) => handle(req, res) },
  });

  const lines = [``, `  Loupe is running at ${server.appOrigin}`, `  Sandbox origin:     ${server.sandboxOrigin}`];
  const first = server.firstStart;
  if (first) {
    lines.push(``, `  First start: created your organization.`);
    lines.push(`  Sign in as ${first.adminEmail}${first.adminPassword ? ` with password ${first.adminPassword}` : ' (password from LOUPE_ADMIN_PASSWORD)'}`);
    if (first.agentToken) {
      lines.push(`  Agent token (shown once, stored hashed):`, `    export LOUPE_URL=${server.appOrigin}`, `    export LOUPE_TOKEN=${first.agentToken}`);
    } else {
      lines.push(`  Agent token: the one in LOUPE_AGENT_TOKEN`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  let signals = 0;
  const shutdown = (signal: string) => {
    signals++;
    if (signals > 1) process.exit(1);
    logger.info('shutting down', { signal });
    server
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      });
  };
  // A background task (a compaction, a summary refresh) that fails without a handler is a bug to log, not a reason
  // to drop every socket of this instance: whatever it acknowledged is already durable either way.
  process.on('unhandledRejection', (error: unknown) => logger.error('a background task failed without a handler', { error }));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Loupe failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
