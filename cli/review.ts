/**
 * The agent's side of the review loop: read the open threads, fix the page,
 * reply, and say which version addresses each thread (a reviewer confirms by
 * resolving it). `loupe comments`, `loupe reply`, `loupe address`,
 * `loupe comment`; docs/API.md ("Review") describes the endpoints behind them.
 */
import { resolve } from 'node:path';
import { isArtifactId } from '../lib/protocol/ids';
import { REACTION_EMOJI, type AnchorView, type CommentView, type ThreadStatus, type ThreadWithStateView } from '../lib/review/types';
import { ApiError, type LoupeClient } from './client';
import { readLinks } from './links';

export const REVIEW_COMMANDS = ['comments', 'reply', 'address', 'comment'] as const;
export type ReviewCommand = (typeof REVIEW_COMMANDS)[number];

export function isReviewCommand(command: string): command is ReviewCommand {
  return (REVIEW_COMMANDS as readonly string[]).includes(command);
}

/** The flags the review commands read (parsed by main.ts). */
export interface ReviewOptions {
  all?: boolean;
  resolved?: boolean;
  json?: boolean;
  addressed?: boolean;
  version?: string;
  note?: string;
}

/** Where a command writes and reads; the process's own streams in the real CLI. */
export interface ReviewIo {
  write(text: string): void;
  /** Columns to wrap human output at. */
  width: number;
  /** Whether stdin is a terminal (then a missing text is an error, not a wait for input). */
  stdinIsTerminal: boolean;
  readStdin(): Promise<string>;
}

/** A mistake in how the command was called: main.ts prints it with the help and exits 2. */
export class UsageError extends Error {}

export function processIo(): ReviewIo {
  return {
    write: (text) => process.stdout.write(text),
    width: clampWidth(process.stdout.columns),
    stdinIsTerminal: Boolean(process.stdin.isTTY),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

const MIN_WIDTH = 40;
const MAX_WIDTH = 100;
const DEFAULT_WIDTH = 80;

function clampWidth(columns: number | undefined): number {
  return columns ? Math.max(MIN_WIDTH, Math.min(MAX_WIDTH, columns)) : DEFAULT_WIDTH;
}

/** Runs one review command; throws `ApiError` (printed as an error, exit 1) or `UsageError` (exit 2). */
export async function runReviewCommand(
  command: ReviewCommand,
  args: string[],
  options: ReviewOptions,
  client: LoupeClient,
  io: ReviewIo,
): Promise<void> {
  const [artifactRef, ...rest] = args;
  if (!artifactRef) throw new UsageError(`${command} needs an artifact (its id, its URL, or a file pushed from this folder)`);
  switch (command) {
    case 'comments':
      return listComments(client, artifactRef, rest, options, io);
    case 'reply':
      return replyToThread(client, artifactRef, rest, options, io);
    case 'address':
      return addressThread(client, artifactRef, rest, options, io);
    case 'comment':
      return commentOnPage(client, artifactRef, rest, options, io);
  }
}

// ---- commands -------------------------------------------------------------

async function listComments(client: LoupeClient, artifactRef: string, rest: string[], options: ReviewOptions, io: ReviewIo): Promise<void> {
  if (rest.length > 0) throw new UsageError(`comments takes one artifact, not "${rest.join(' ')}"`);
  if (options.all && options.resolved) throw new UsageError('pass --all or --resolved, not both');
  const status: ThreadStatus | 'all' = options.all ? 'all' : options.resolved ? 'resolved' : 'open';
  const id = await resolveArtifact(artifactRef);
  if (options.json) {
    io.write(`${JSON.stringify(await client.listThreads(id, status), null, 2)}\n`);
    return;
  }
  const [{ items }, artifact] = await Promise.all([client.listThreads(id, status), client.getArtifact(id)]);
  io.write(formatThreadList(items, { status, title: artifact.title, artifactRef, width: io.width }));
}

async function replyToThread(client: LoupeClient, artifactRef: string, rest: string[], options: ReviewOptions, io: ReviewIo): Promise<void> {
  const [threadRef, ...words] = rest;
  if (!threadRef) throw new UsageError('reply needs a thread id (as `loupe comments` shows it) and the text');
  if (!options.addressed && (options.version !== undefined || options.note !== undefined)) {
    throw new UsageError('--version and --note go with --addressed (or use `loupe address`)');
  }
  const addressed = options.addressed ? addressedInput(options) : null;
  const text = await commentText(words, io, 'reply');
  const id = await resolveArtifact(artifactRef);
  const threadId = await resolveThreadId(client, id, threadRef);
  let thread = await client.reply(id, threadId, text);
  if (!options.json) io.write(`Replied on thread ${shortId(thread.id)}.\n`);
  if (addressed) {
    thread = await client.markAddressed(id, threadId, addressed);
    if (!options.json) io.write(addressedLine(thread));
  }
  if (options.json) io.write(`${JSON.stringify(thread, null, 2)}\n`);
}

async function addressThread(client: LoupeClient, artifactRef: string, rest: string[], options: ReviewOptions, io: ReviewIo): Promise<void> {
  const [threadRef, ...extra] = rest;
  if (!threadRef) throw new UsageError('address needs a thread id (as `loupe comments` shows it)');
  if (extra.length > 0) throw new UsageError(`address takes one thread id; say more with --note "…" or \`loupe reply\``);
  const input = addressedInput(options);
  const id = await resolveArtifact(artifactRef);
  const thread = await client.markAddressed(id, await resolveThreadId(client, id, threadRef), input);
  io.write(options.json ? `${JSON.stringify(thread, null, 2)}\n` : addressedLine(thread));
}

async function commentOnPage(client: LoupeClient, artifactRef: string, rest: string[], options: ReviewOptions, io: ReviewIo): Promise<void> {
  const text = await commentText(rest, io, 'comment');
  const id = await resolveArtifact(artifactRef);
  const thread = await client.createThread(id, { text, anchor: null });
  io.write(options.json ? `${JSON.stringify(thread, null, 2)}\n` : `Opened thread ${shortId(thread.id)} on the whole page.\n`);
}

function addressedLine(thread: ThreadWithStateView): string {
  const version = thread.addressed ? `v${thread.addressed.version}` : 'the current version';
  return `Marked thread ${shortId(thread.id)} addressed in ${version}; a reviewer confirms by resolving it.\n`;
}

function addressedInput(options: ReviewOptions): { version?: number; note?: string } {
  const input: { version?: number; note?: string } = {};
  if (options.version !== undefined) {
    const version = Number(options.version);
    if (!/^\d+$/.test(options.version) || !Number.isSafeInteger(version) || version < 1) {
      throw new UsageError(`--version needs a version number, e.g. --version 3 (got "${options.version}")`);
    }
    input.version = version;
  }
  if (options.note !== undefined) input.note = options.note;
  return input;
}

/**
 * The comment's markdown: the remaining arguments joined by spaces, or stdin
 * for `-` (or for no text when stdin is not a terminal, so `… | loupe reply A T` works).
 */
async function commentText(words: string[], io: ReviewIo, command: string): Promise<string> {
  const fromStdin = (words.length === 1 && words[0] === '-') || (words.length === 0 && !io.stdinIsTerminal);
  if (words.length === 0 && !fromStdin) throw new UsageError(`${command} needs text: as arguments, or \`-\` to read markdown from stdin`);
  const text = fromStdin ? await io.readStdin() : words.join(' ');
  if (text.trim() === '') throw new UsageError(`the ${command} is empty`);
  return text;
}

// ---- naming artifacts and threads -----------------------------------------

/** An artifact's id, from its id, its URL (`…/a/<id>…`), or a file pushed from this folder. */
export async function resolveArtifact(ref: string): Promise<string> {
  const lowered = ref.trim().toLowerCase();
  if (isArtifactId(lowered)) return lowered;
  const fromUrl = artifactIdInUrl(ref);
  if (fromUrl) return fromUrl;
  const linked = (await readLinks())[resolve(ref)];
  if (linked) return linked;
  throw new ApiError(0, 'unknown_artifact', `"${ref}" is not an artifact id, an artifact URL, or a file pushed from this folder.`);
}

function artifactIdInUrl(ref: string): string | null {
  if (!URL.canParse(ref)) return null;
  const match = /^\/a\/([0-9a-fA-F-]{36})(?:\/|$)/.exec(new URL(ref).pathname);
  const id = match?.[1].toLowerCase();
  return id && isArtifactId(id) ? id : null;
}

const SHORT_ID_CHARS = 8;

export function shortId(id: string): string {
  return id.slice(0, SHORT_ID_CHARS);
}

/**
 * A full thread id from a full id or a unique prefix of one (agents copy the
 * short ids `loupe comments` prints). Prefixes are matched against every
 * thread, resolved ones included, so a short id keeps meaning one thread.
 */
export async function resolveThreadId(client: LoupeClient, artifactId: string, ref: string): Promise<string> {
  const prefix = ref.trim().toLowerCase();
  if (isArtifactId(prefix)) return prefix; // a full id: the server says whether it exists
  if (!/^[0-9a-f-]+$/.test(prefix)) {
    throw new ApiError(0, 'not_found', `"${ref}" is not a thread id; \`loupe comments\` lists them (e.g. 1a2b3c4d).`);
  }
  const { items } = await client.listThreads(artifactId, 'all');
  const matches = items.filter((thread) => thread.id.startsWith(prefix));
  if (matches.length === 1) return matches[0].id;
  if (matches.length === 0) throw new ApiError(0, 'not_found', `No thread on this artifact has an id starting with "${prefix}".`);
  const candidates = matches.map((thread) => `  ${thread.id}  ${excerpt(thread.comments[0]?.text ?? '', 50)}`).join('\n');
  throw new ApiError(0, 'ambiguous', `"${prefix}" matches ${matches.length} threads; give more of the id:\n${candidates}`);
}

// ---- human output ---------------------------------------------------------

const STATE_LABEL = { ok: 'anchor ok', changed: 'changed since comment', outdated: 'OUTDATED' } as const;
/** How much of the anchored source to show for a changed or outdated anchor. */
const SOURCE_PREVIEW_CHARS = 240;

export function formatThreadList(
  threads: ThreadWithStateView[],
  context: { status: ThreadStatus | 'all'; title: string; artifactRef: string; width: number },
): string {
  const which = context.status === 'all' ? '' : `${context.status} `;
  if (threads.length === 0) return `No ${which}threads on "${context.title}".\n`;
  const count = `${threads.length} ${which}thread${threads.length === 1 ? '' : 's'}`;
  const blocks = threads.map((thread) => formatThread(thread, context.width));
  const artifact = shellWord(context.artifactRef);
  const hint = `Reply:   loupe reply ${artifact} <id> "…" [--addressed]\nAddress: loupe address ${artifact} <id> [--version N] [--note "…"]`;
  return `${count} on "${context.title}"\n\n${blocks.join('\n')}\n${hint}\n`;
}

export function formatThread(thread: ThreadWithStateView, width: number): string {
  const lines: string[] = [];
  const header = [shortId(thread.id), thread.status, thread.anchorState ? STATE_LABEL[thread.anchorState] : 'whole page'];
  header.push(thread.version === null ? 'written before any version' : `written on v${thread.version}`);
  if (thread.mentionsAgent) header.push('mentions the agent');
  lines.push(header.join(' · '));
  if (thread.anchor) lines.push(...wrap(anchorLine(thread.anchor), width, '  '));
  if (thread.anchor && (thread.anchorState === 'changed' || thread.anchorState === 'outdated')) {
    lines.push(...wrap(`source then: ${excerpt(thread.anchor.source, SOURCE_PREVIEW_CHARS)}`, width, '  '));
  }
  if (thread.addressed) {
    const { version, by, at, note } = thread.addressed;
    lines.push(...wrap(`addressed in v${version} by ${by.name}, ${formatTime(at)}${note ? `: ${note}` : ''}`, width, '  '));
  }
  if (thread.resolved) lines.push(...wrap(`resolved by ${thread.resolved.by.name}, ${formatTime(thread.resolved.at)}`, width, '  '));
  thread.comments.forEach((comment, index) => lines.push(...formatComment(comment, index > 0, width)));
  return `${lines.join('\n')}\n`;
}

function anchorLine(anchor: AnchorView): string {
  const where = anchor.kind === 'text' ? `text in <${anchor.tag}>` : `<${anchor.tag}>`;
  // Where in the element the reviewer pointed, in percent of its box (left, top).
  const at = anchor.point ? ` at ${Math.round(anchor.point.x * 100)}%, ${Math.round(anchor.point.y * 100)}%` : '';
  const what = anchor.name ? `${anchor.name} (${where}${at})` : `${where}${at}`;
  return anchor.quote && !anchor.name?.includes(`“${anchor.quote}”`) ? `on ${what}: “${anchor.quote}”` : anchor.quote || anchor.name ? `on ${what}` : `on ${what} (${anchor.selector})`;
}

function formatComment(comment: CommentView, isReply: boolean, width: number): string[] {
  const indent = isReply ? '    ' : '  ';
  const marks = [comment.editedAt ? 'edited' : '', comment.mentions.includes('agent') ? 'mentions the agent' : ''].filter(Boolean);
  const head = `${isReply ? '↳ ' : ''}${comment.author.name} · ${formatTime(comment.createdAt)}${marks.length ? ` (${marks.join(', ')})` : ''}`;
  const lines = [`${indent}${head}`];
  const bodyIndent = `${indent}${isReply ? '    ' : '  '}`;
  lines.push(...wrap(comment.deleted ? '(deleted)' : comment.text, width, bodyIndent));
  const reactions = comment.reactions.map((reaction) => `${REACTION_EMOJI[reaction.key]} ${reaction.by.length}`);
  if (reactions.length > 0) lines.push(`${bodyIndent}${reactions.join('  ')}`);
  return lines;
}

/** `2025-06-01T12:00:31.123Z` → `2025-06-01 12:00 UTC` (the server's clock, UTC, like the rest of Loupe). */
function formatTime(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

function excerpt(text: string, chars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > chars ? `${flat.slice(0, chars - 1)}…` : flat;
}

/**
 * Wraps each line of `text` at word boundaries to `width` columns, every line
 * starting with `indent`. A line's own leading spaces (nested list items) are
 * kept, and a list item's or quote's continuation lines hang under its text;
 * a word longer than the line is not broken (URLs stay whole).
 */
export function wrap(text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const own = /^\s*/.exec(line)?.[0] ?? '';
    const marker = /^(?:[-*+] |\d+\. |> )/.exec(line.slice(own.length))?.[0] ?? '';
    const words = line.slice(own.length + marker.length).split(/\s+/).filter(Boolean);
    let lead = indent + own + marker;
    const hang = ' '.repeat(lead.length);
    let current = '';
    for (const word of words) {
      if (current && lead.length + current.length + 1 + word.length > Math.max(width, lead.length + 20)) {
        out.push(lead + current);
        lead = hang;
        current = word;
      } else {
        current = current ? `${current} ${word}` : word;
      }
    }
    out.push((lead + current).trimEnd());
  }
  return out;
}

/** Quotes an argument for the hint line when a shell would split it. */
function shellWord(word: string): string {
  return /^[\w./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
