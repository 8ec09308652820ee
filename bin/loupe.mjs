#!/usr/bin/env node
// The `loupe` command, written in TypeScript and run through tsx. It dispatches: the agent-facing
// commands go to cli/ (a thin client of the REST API); the server-side commands (migrate, audit verify,
// secret) go to server/admin/, loaded only for them, so the agent-facing ones never load a database driver.
import { register } from 'tsx/esm/api';

register();
const argv = process.argv.slice(2);
const { main, serverCommandOf } = await import('../cli/main.ts');
if (serverCommandOf(argv) !== null) {
  const { runAdminCommand } = await import('../server/admin/index.ts');
  process.exitCode = await runAdminCommand(argv, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
} else {
  process.exitCode = await main(argv);
}
