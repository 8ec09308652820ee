import { readFile, watch as watchDir } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiError, LoupeClient } from './client';
import { readLinks, writeLink } from './links';
import { isReviewCommand, processIo, runReviewCommand, UsageError } from './review';

const HELP = `loupe — publish pages to Loupe and work through their review

Usage:
  loupe push <file> [--title T] [--project P] [--session S] [--kind K] [--id ID] [--new]
  loupe watch <file> [same options] [--debounce MS]
  loupe stream [--id ID | --title T] [--reset]   (reads the page from stdin, live as it arrives)
  loupe push <file> --checkpoint -m "message"     (push, then cut a named version)
  loupe checkpoint [<file> | --id ID] -m "message" [--session S] [--commit SHA] [--pr URL]
  loupe restore <n> [<file> | --id ID]            (the live page becomes version n, as a new version)

On the server's machine (they open its storage; see \`loupe migrate --help\`):
  loupe migrate [--to postgres://…]              (schema migrations; moving SQLite into PostgreSQL)
  loupe audit verify [--data-dir DIR] [--org ID] | [--file export.json]
  loupe secret rotate|retire [--data-dir DIR]

Review (<artifact> is an id, an artifact URL, or a file pushed from this folder):
  loupe comments <artifact> [--all | --resolved] [--json]
      the open threads (or all, or resolved ones): id, where each is pinned and
      whether that part of the page changed since, and every comment
  loupe reply <artifact> <thread> <text...> [--addressed [--version N] [--note "..."]]
      reply in markdown (\`-\` or no text reads it from stdin); --addressed also marks
      the thread addressed (default: in the version of the page as it stands now)
  loupe address <artifact> <thread> [--version N] [--note "..."]
      says a version deals with the thread; a reviewer confirms by resolving it
  loupe comment <artifact> <text...>              (a new thread about the whole page)
  <thread> is a thread id or any unique start of one (the 8 characters \`comments\` shows).

Config: LOUPE_URL and LOUPE_TOKEN, or --url and --token.
The first push of a file creates an artifact; later pushes of the same file update it
(the link is remembered in ./.loupe.json; --new starts a new artifact, --id targets one).`;

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  title: { type: 'string' },
  project: { type: 'string' },
  session: { type: 'string' },
  kind: { type: 'string' },
  id: { type: 'string' },
  new: { type: 'boolean' },
  reset: { type: 'boolean' },
  debounce: { type: 'string' },
  checkpoint: { type: 'boolean' },
  message: { type: 'string', short: 'm' },
  commit: { type: 'string' },
  pr: { type: 'string' },
  all: { type: 'boolean' },
  resolved: { type: 'boolean' },
  json: { type: 'boolean' },
  addressed: { type: 'boolean' },
  version: { type: 'string' },
  note: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Options = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/**
 * Commands that open the server's storage or data directory. They live with the server's code
 * (server/admin/): the `loupe` binary (bin/loupe.mjs) asks `serverCommandOf` and runs them there, so
 * this CLI stays a client of the HTTP API and never loads a database driver: it works on machines that
 * have none.
 */
const SERVER_COMMANDS: ReadonlySet<string> = new Set(['migrate', 'audit', 'secret']);

/** The server commands' options that take a value, so a lenient parse does not take the value for the command. */
const SERVER_VALUE_OPTIONS = {
  'data-dir': { type: 'string' },
  org: { type: 'string' },
  file: { type: 'string' },
  to: { type: 'string' },
  from: { type: 'string' },
  'env-path': { type: 'string' },
} as const;

/** The server-side command argv asks for (`migrate`, `audit`, `secret`), or null for an agent-facing one. */
export function serverCommandOf(argv: string[]): string | null {
  if (SERVER_COMMANDS.has(argv[0] ?? '')) return argv[0];
  // Options before the command (`loupe --data-dir d audit verify`): the first positional, read leniently.
  const lenient = parseArgs({ args: argv, options: { ...OPTIONS, ...SERVER_VALUE_OPTIONS }, allowPositionals: true, strict: false });
  const first = lenient.positionals[0];
  return first !== undefined && SERVER_COMMANDS.has(first) ? first : null;
}

/** Runs one agent-facing command (argv as given to `loupe`); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const serverCommand = serverCommandOf(argv);
  if (serverCommand !== null) return usage(`\`loupe ${serverCommand}\` runs on the server's machine, through the \`loupe\` binary (bin/loupe.mjs)`);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, file] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${HELP}\n`);
    return command || values.help ? 0 : 2;
  }
  const url = values.url ?? process.env.LOUPE_URL;
  const token = values.token ?? process.env.LOUPE_TOKEN;
  if (!url || !token) {
    process.stderr.write('Set LOUPE_URL and LOUPE_TOKEN (or pass --url and --token).\n');
    return 2;
  }
  const client = new LoupeClient({ url, token });
  try {
    if (isReviewCommand(command)) {
      await runReviewCommand(command, positionals.slice(1), values, client, processIo());
      return 0;
    }
    switch (command) {
      case 'push':
        if (!file) return usage('push needs a file');
        {
          const pushed = await push(client, file, values);
          process.stdout.write(`${pushed.url}\n`);
          if (values.checkpoint) {
            const version = await client.checkpoint(pushed.id, checkpointInput(values));
            process.stdout.write(`v${version.n}${version.message ? ` ${version.message}` : ''}\n`);
          }
        }
        return 0;
      case 'watch':
        if (!file) return usage('watch needs a file');
        await watchFile(client, file, values);
        return 0;
      case 'stream':
        process.stdout.write(`${await streamStdin(client, values)}\n`);
        return 0;
      case 'checkpoint': {
        const id = await targetArtifact(file, values);
        const version = await client.checkpoint(id, checkpointInput(values));
        process.stdout.write(`v${version.n}${version.message ? ` ${version.message}` : ''}\n`);
        return 0;
      }
      case 'restore': {
        const n = Number(file);
        if (!Number.isInteger(n) || n < 1) return usage('restore needs a version number, e.g. `loupe restore 3 report.html`');
        const id = await targetArtifact(positionals[2], values);
        const version = await client.restore(id, n);
        process.stdout.write(`v${version.n} restored from v${version.restoredFrom}\n`);
        return 0;
      }
      default:
        return usage(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    if (error instanceof ApiError) {
      process.stderr.write(`loupe: ${error.message}${error.status ? ` (${error.status} ${error.code})` : ''}\n`);
      return 1;
    }
    throw error;
  }
}

function checkpointInput(options: Options): { message: string; session?: string; commitSha?: string; prUrl?: string } {
  return { message: options.message ?? '', session: options.session, commitSha: options.commit, prUrl: options.pr };
}

/** The artifact a command is about: --id, else the one a file was pushed to, else the only one this folder knows. */
async function targetArtifact(file: string | undefined, options: Options): Promise<string> {
  if (options.id) return options.id;
  const links = await readLinks();
  if (file) {
    const id = links[resolve(file)];
    if (!id) throw new ApiError(0, 'unknown_file', `${file} has not been pushed from this folder; push it first or pass --id.`);
    return id;
  }
  const ids = Array.from(new Set(Object.values(links)));
  if (ids.length === 1) return ids[0];
  throw new ApiError(0, 'which_artifact', ids.length === 0 ? 'Nothing was pushed from this folder; pass --id.' : 'Several artifacts were pushed from this folder; name the file or pass --id.');
}

function usage(problem: string): number {
  process.stderr.write(`loupe: ${problem}\n\n${HELP}\n`);
  return 2;
}

async function push(client: LoupeClient, file: string, options: Options): Promise<{ url: string; id: string }> {
  const html = await readFile(file, 'utf8');
  const links = await readLinks();
  const key = resolve(file);
  const id = options.id ?? (options.new ? undefined : links[key]);
  if (id) {
    await client.putContent(id, html);
    const info = await client.getArtifact(id);
    return { url: info.url, id };
  }
  const created = await client.createArtifact({
    title: options.title ?? basename(file),
    project: options.project,
    session: options.session,
    kind: options.kind,
    html,
  });
  await writeLink(key, created.id);
  return created;
}

/** Pushes on every save, debounced; editors that replace the file are handled by watching its folder. */
async function watchFile(client: LoupeClient, file: string, options: Options): Promise<void> {
  const debounceMs = Number(options.debounce ?? 300);
  const first = await push(client, file, options);
  process.stdout.write(`${first.url}\nwatching ${file} (Ctrl-C to stop)\n`);
  const pinned: Options = { ...options, id: first.id, new: false };
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  let timer: NodeJS.Timeout | null = null;
  let pushing: Promise<void> = Promise.resolve();
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      pushing = pushing.then(async () => {
        try {
          await push(client, file, pinned);
          process.stdout.write(`pushed ${new Date().toISOString()}\n`);
        } catch (error) {
          process.stderr.write(`loupe: push failed: ${error instanceof Error ? error.message : String(error)}\n`);
        }
      });
    }, debounceMs);
  };
  try {
    for await (const event of watchDir(dirname(resolve(file)), { signal: controller.signal })) {
      if (event.filename === basename(file)) schedule();
    }
  } catch (error) {
    if (!(error instanceof Error && error.name === 'AbortError')) throw error;
  }
  if (timer) clearTimeout(timer);
  await pushing;
}

async function streamStdin(client: LoupeClient, options: Options): Promise<string> {
  const id = options.id ?? (await client.createArtifact({ title: options.title ?? 'Streamed page', project: options.project, session: options.session, kind: options.kind })).id;
  const info = await client.getArtifact(id);
  process.stderr.write(`${info.url}\n`);
  await client.streamContent(id, process.stdin as AsyncIterable<Uint8Array>, Boolean(options.reset));
  return info.url;
}
