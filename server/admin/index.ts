import { parseArgs } from 'node:util';

/**
 * The server-side commands of the `loupe` binary: they work on the server's
 * storage and data directory (DATA_DIR, DATABASE_URL), so they run on the
 * server's machine. The `loupe` binary (`bin/loupe.mjs`) loads this module
 * only for these commands, so the agent-facing commands (`cli/`, a client of
 * the HTTP API) never load a database driver and work where none is installed.
 */

export interface AdminIo {
  out(line: string): void;
  err(line: string): void;
}

const OPTIONS = {
  'data-dir': { type: 'string' },
  org: { type: 'string' },
  file: { type: 'string' },
  to: { type: 'string' },
  from: { type: 'string' },
  verify: { type: 'boolean' },
  'env-path': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const ADMIN_HELP = `Server-side commands (run them on the server's machine):
  loupe migrate [--data-dir DIR]
      runs the schema migrations of the configured database (DATABASE_URL, else
      DATA_DIR/loupe.db) and exits
  loupe migrate --to postgres://… [--from FILE|sqlite:FILE] [--data-dir DIR] [--env-path PATH]
      with the server stopped: copies the embedded install (DATA_DIR/loupe.db, or a
      sqlite: DATABASE_URL) into an empty PostgreSQL database in one transaction,
      verifies the copy, and writes AUTH_SECRET to a 0600 env file (default
      DATA_DIR/postgres.env) for the PostgreSQL deployment
  loupe migrate --verify --to postgres://… [--from …] [--data-dir DIR]
      only the verification of an earlier copy against the SQLite file
  loupe audit verify [--data-dir DIR] [--org ID] | [--file export.json]
      checks the audit log's hash chain in the server's database (DATA_DIR / DATABASE_URL)
      or in a complete JSON export; exits 1 and names the first broken entry
  loupe secret rotate [--data-dir DIR]
      a new signing key in DATA_DIR/auth-secret, used from the next start;
      the old keys keep verifying, so nobody is signed out
  loupe secret retire [--data-dir DIR]
      drops every key but the current one (30 days after rotating, when
      the sessions they signed have expired)`;

/** Runs one server-side command (argv as given to `loupe`); returns the exit code. */
export async function runAdminCommand(argv: string[], io: AdminIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    io.err(`loupe: ${error instanceof Error ? error.message : String(error)}\n\n${ADMIN_HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, sub] = positionals;
  if (values.help) {
    io.out(ADMIN_HELP);
    return 0;
  }
  const dataDir = values['data-dir'] ?? process.env.DATA_DIR ?? './data';
  const usage = (problem: string) => {
    io.err(`loupe: ${problem}\n\n${ADMIN_HELP}`);
    return 2;
  };
  if (command === 'secret') {
    const { retireOldKeys, rotateKeyFile } = await import('../../lib/auth/key-file');
    try {
      if (sub === 'rotate') {
        const { path, keys } = rotateKeyFile(dataDir);
        io.out(`${path}: a new signing key, ${keys - 1} older one(s) still verify. Restart Loupe to sign with it.`);
        return 0;
      }
      if (sub === 'retire') {
        const { path, removed } = retireOldKeys(dataDir);
        io.out(`${path}: removed ${removed} older key(s). Restart Loupe; sessions they signed end.`);
        return 0;
      }
    } catch (error) {
      io.err(`loupe secret ${sub}: ${error instanceof Error ? error.message : String(error)}`);
      return 2;
    }
    return usage('the secret commands are `loupe secret rotate` and `loupe secret retire`');
  }
  if (command === 'audit') {
    if (sub !== 'verify') return usage('the audit command is `loupe audit verify`');
    const { auditVerify } = await import('./audit-verify');
    try {
      return await auditVerify({ file: values.file, dataDir: values['data-dir'], org: values.org }, io.out);
    } catch (error) {
      io.err(`loupe audit verify: ${error instanceof Error ? error.message : String(error)}`);
      return 2;
    }
  }
  if (command === 'migrate') {
    if (sub !== undefined) return usage(`unexpected argument "${sub}" to migrate`);
    const { runMigrateCommand } = await import('./migrate');
    return runMigrateCommand(
      { to: values.to, from: values.from, verifyOnly: Boolean(values.verify), dataDir, envFile: values['env-path'] },
      io,
    );
  }
  return usage(`unknown server command "${command}"`);
}
