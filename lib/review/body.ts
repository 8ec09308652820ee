/**
 * Comment bodies: structured rich text, never HTML.
 *
 * A body is a small tree of blocks and inlines that every surface renders
 * element by element (React, the CLI's plain text, notifications), so no
 * script, handler or `javascript:` link can ever run where a comment is shown.
 * `parseCommentBody` is the one gate every body passes on its way in (API,
 * composer, markdown from agents): it validates the shape and the limits,
 * checks link schemes, and normalizes (merges text runs, drops empty ones), so
 * two bodies that look the same are stored the same.
 *
 * Isomorphic: imported by the server, the browser and the CLI.
 */
import { z } from 'zod';
import { AppError } from '../errors';
import { isSafeLinkHref, MAX_HREF_LENGTH } from '../sandbox/bridge';
import { REVIEW_LIMITS } from './types';

/** Bit flags; combine with `|`. */
export type TextFormat = number;
export const TEXT_FORMAT = { bold: 1, italic: 2, code: 4, strikethrough: 8 } as const;
const ALL_FORMATS = TEXT_FORMAT.bold | TEXT_FORMAT.italic | TEXT_FORMAT.code | TEXT_FORMAT.strikethrough;

export interface TextInline {
  t: 'text';
  text: string;
  /** Absent when plain (0). */
  f?: TextFormat;
}
export interface LinkInline {
  t: 'link';
  url: string;
  children: TextInline[];
}
export interface MentionInline {
  t: 'mention';
  kind: 'user' | 'agent';
  /** User id, or `'agent'` for the artifact's agent. */
  id: string;
  /** The name when written; shown as `@name`. */
  name: string;
}
export interface BreakInline {
  t: 'br';
}
export type Inline = TextInline | LinkInline | MentionInline | BreakInline;

export interface ListItem {
  children: Inline[];
  /** A list nested under this item. */
  list?: ListBlock;
}
export interface ListBlock {
  t: 'list';
  ordered: boolean;
  items: ListItem[];
}
export type Block =
  | { t: 'p'; children: Inline[] }
  | { t: 'quote'; children: Inline[] }
  | { t: 'code'; lang: string; text: string }
  | ListBlock;

export interface CommentBody {
  v: 1;
  blocks: Block[];
}

export type MentionKind = MentionInline['kind'];
export interface MentionRef {
  kind: MentionKind;
  id: string;
}

/** Top-level blocks in one body. */
export const MAX_BODY_BLOCKS = 200;
const MAX_MENTION_FIELD_CHARS = 200;
const CODE_LANG = /^[a-z0-9+#-]{0,20}$/;
/** C0 and C1 controls and DEL, except tab and newline. */
const CONTROL_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f-\u009f]/;

/**
 * `isSafeLinkHref` (absolute http, https or mailto), and nothing the URL
 * parser would quietly strip or rewrite: `new URL(' javascript:…')` trims the
 * space, so what is stored must already be exactly what gets opened.
 */
export function isCommentLinkUrl(url: string): boolean {
  return !WHITESPACE_OR_CONTROL.test(url) && isSafeLinkHref(url);
}

/** The body a deleted comment keeps. Only this constant may have no blocks; `parseCommentBody` never returns one. */
const NO_BLOCKS: Block[] = [];
Object.freeze(NO_BLOCKS);
export const DELETED_BODY: CommentBody = Object.freeze({ v: 1, blocks: NO_BLOCKS });

// ---- schema (shape only; limits and normalization are parseCommentBody's) ----

const safeText = z
  .string()
  .refine((text) => !CONTROL_CHARS.test(text), {
    error: 'text must not contain control characters (only newline and tab)',
  });

const textSchema = z.object({
  t: z.literal('text'),
  text: safeText,
  f: z
    .number({ error: 'text format must be a number' })
    .int({ error: 'text format must be an integer' })
    .min(0, { error: 'text format must be between 0 and 15' })
    .max(ALL_FORMATS, { error: 'text format must be between 0 and 15' })
    .optional(),
});

const linkUrl = z
  .string()
  .max(MAX_HREF_LENGTH, { error: `link URL must be at most ${MAX_HREF_LENGTH} characters` })
  .refine((url) => !WHITESPACE_OR_CONTROL.test(url), { error: 'link URL must not contain spaces or control characters', abort: true })
  .refine(isSafeLinkHref, { error: 'link URL must be http, https or mailto' });

const linkSchema = z.object({
  t: z.literal('link'),
  url: linkUrl,
  children: z.array(textSchema, { error: 'link children must be a list of text' }),
});

const mentionField = (what: string) =>
  safeText
    .min(1, { error: `mention ${what} must not be empty` })
    .max(MAX_MENTION_FIELD_CHARS, { error: `mention ${what} must be at most ${MAX_MENTION_FIELD_CHARS} characters` });

const mentionSchema = z.object({
  t: z.literal('mention'),
  kind: z.enum(['user', 'agent'], { error: "mention kind must be 'user' or 'agent'" }),
  id: mentionField('id'),
  name: mentionField('name'),
});

const breakSchema = z.object({ t: z.literal('br') });

const inlineSchema = z.discriminatedUnion('t', [textSchema, linkSchema, mentionSchema, breakSchema], {
  error: "unknown inline type (expected 'text', 'link', 'mention' or 'br')",
});

const inlinesSchema = z.array(inlineSchema);

const listItemSchema = z.object({
  children: inlinesSchema,
  get list(): z.ZodOptional<typeof listBlockSchema> {
    return listBlockSchema.optional();
  },
});

const listBlockSchema = z.object({
  t: z.literal('list'),
  ordered: z.boolean(),
  items: z.array(listItemSchema),
});

const blockSchema = z.discriminatedUnion(
  't',
  [
    z.object({ t: z.literal('p'), children: inlinesSchema }),
    z.object({ t: z.literal('quote'), children: inlinesSchema }),
    z.object({
      t: z.literal('code'),
      lang: z
        .string()
        .regex(CODE_LANG, { error: 'code language must be up to 20 of a-z 0-9 + # -' })
        .default(''),
      text: safeText,
    }),
    listBlockSchema,
  ],
  { error: "unknown block type (expected 'p', 'quote', 'code' or 'list')" },
);

/**
 * The shape of a stored body (unknown keys are stripped). It accepts the
 * deleted body (no blocks), so stored comments can be read back through it;
 * new bodies go through `parseCommentBody`, which adds the limits.
 */
export const commentBodySchema: z.ZodType<CommentBody> = z
  .object(
    {
      v: z.literal(1, { error: 'version must be 1' }),
      blocks: z.array(blockSchema, { error: 'blocks must be a list' }),
    },
    { error: 'must be an object { v: 1, blocks: [...] }' },
  )
  .superRefine((body, ctx) => {
    if (maxListDepth(body) > REVIEW_LIMITS.listDepth) {
      ctx.addIssue({ code: 'custom', message: LIST_DEPTH_MESSAGE, path: ['blocks'] });
    }
  });

const LIST_DEPTH_MESSAGE = `lists may nest at most ${REVIEW_LIMITS.listDepth} levels`;

// ---- parse: the gate ----

/**
 * Validates, normalizes and checks the limits of a body from anywhere
 * untrusted. Throws `AppError('bad_request')` whose message names the problem
 * (it is shown to API clients and in the composer).
 */
export function parseCommentBody(raw: unknown): CommentBody {
  // Cheap guards first, so a hostile body costs no deep work: its size, and
  // list nesting (which the schema would otherwise recurse into).
  assertWithinBytes(raw);
  if (rawListDepth(raw) > REVIEW_LIMITS.listDepth) throw invalid(`Comment body: ${LIST_DEPTH_MESSAGE}.`);

  const result = commentBodySchema.safeParse(raw);
  if (!result.success) throw invalid(describeIssue(result.error.issues[0]));

  const body = normalizeBody(result.data);
  if (!hasVisibleContent(body)) throw invalid('Comment is empty.');
  assertWithinBytes(body);
  assertWithinLimits(body);
  return body;
}

function invalid(message: string): AppError {
  return new AppError('bad_request', message);
}

function assertWithinBytes(value: unknown): void {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new AppError('bad_request', 'Comment body must be plain JSON data.', { cause: error });
  }
  if (json === undefined) throw invalid('Comment body is missing.');
  // UTF-16 length is a lower bound of the UTF-8 length and 3× an upper bound: only encode when it matters.
  if (json.length * 3 <= REVIEW_LIMITS.bodyBytes) return;
  if (json.length > REVIEW_LIMITS.bodyBytes || new TextEncoder().encode(json).length > REVIEW_LIMITS.bodyBytes) {
    throw invalid(`Comment body is too large: at most ${REVIEW_LIMITS.bodyBytes / 1024} KiB.`);
  }
}

function assertWithinLimits(body: CommentBody): void {
  if (body.blocks.length > MAX_BODY_BLOCKS) {
    throw invalid(`Comment body has too many blocks: at most ${MAX_BODY_BLOCKS}.`);
  }
  const textLength = bodyText(body).length;
  if (textLength > REVIEW_LIMITS.commentChars) {
    throw invalid(`Comment is too long: at most ${REVIEW_LIMITS.commentChars.toLocaleString('en-US')} characters.`);
  }
  if (bodyMentions(body).length > REVIEW_LIMITS.mentionsPerComment) {
    throw invalid(`Comment mentions too many people: at most ${REVIEW_LIMITS.mentionsPerComment}.`);
  }
}

type Issue = z.core.$ZodIssue;

function describeIssue(issue: Issue | undefined): string {
  if (!issue) return 'Comment body is invalid.';
  const where = formatPath(issue.path);
  if (issue.path.length === 0) return `Comment body ${issue.message}.`;
  if (issue.code === 'invalid_type') return `Comment body: ${where} must be ${describeExpected(issue.expected)}.`;
  return `Comment body: ${issue.message} (at ${where}).`;
}

function describeExpected(expected: string): string {
  switch (expected) {
    case 'array':
      return 'a list';
    case 'object':
      return 'an object';
    case 'boolean':
      return 'true or false';
    case 'int':
      return 'an integer';
    default:
      return `a ${expected}`;
  }
}

/** `blocks[0].items[1].children[2].url` */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** List nesting of untrusted input, walked iteratively so no input can exhaust the stack. */
function rawListDepth(raw: unknown): number {
  if (!isRecord(raw) || !Array.isArray(raw.blocks)) return 0;
  let deepest = 0;
  const pending: Array<{ list: unknown; depth: number }> = raw.blocks.map((block) => ({ list: block, depth: 1 }));
  while (pending.length > 0) {
    const { list, depth } = pending.pop() as { list: unknown; depth: number };
    if (!isRecord(list) || !Array.isArray(list.items)) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > REVIEW_LIMITS.listDepth) return deepest;
    for (const item of list.items) {
      if (isRecord(item) && item.list !== undefined) pending.push({ list: item.list, depth: depth + 1 });
    }
  }
  return deepest;
}

function maxListDepth(body: CommentBody): number {
  const depthOf = (list: ListBlock): number =>
    1 + Math.max(0, ...list.items.map((item) => (item.list ? depthOf(item.list) : 0)));
  return Math.max(0, ...body.blocks.map((block) => (block.t === 'list' ? depthOf(block) : 0)));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

// ---- normalization ----

/**
 * One canonical form: newlines inside inline text become `br`, adjacent text
 * of the same format merges, empty text, blocks, items and lists disappear,
 * line breaks at the edges of a block go, an empty item that only holds a
 * nested list folds into the item before it, and code loses trailing newlines.
 */
function normalizeBody(body: CommentBody): CommentBody {
  const blocks: Block[] = [];
  for (const block of body.blocks) {
    const normalized = normalizeBlock(block);
    if (normalized) blocks.push(normalized);
  }
  return { v: 1, blocks };
}

function normalizeBlock(block: Block): Block | null {
  switch (block.t) {
    case 'p':
    case 'quote': {
      const children = normalizeInlines(block.children);
      return children.length > 0 ? { t: block.t, children } : null;
    }
    case 'code': {
      const text = block.text.replace(/\n+$/, '');
      return text.length > 0 ? { t: 'code', lang: block.lang, text } : null;
    }
    case 'list':
      return normalizeList(block);
  }
}

function normalizeList(list: ListBlock): ListBlock | null {
  const items: ListItem[] = [];
  for (const item of list.items) {
    const children = normalizeInlines(item.children);
    const nested = item.list ? normalizeList(item.list) : null;
    if (children.length === 0 && !nested) continue;
    const previous = items[items.length - 1];
    if (children.length === 0 && nested && previous && !previous.list) {
      previous.list = nested;
      continue;
    }
    items.push(nested ? { children, list: nested } : { children });
  }
  return items.length > 0 ? { t: 'list', ordered: list.ordered, items } : null;
}

function normalizeInlines(inlines: Inline[]): Inline[] {
  const out: Inline[] = [];
  for (const inline of inlines) {
    switch (inline.t) {
      case 'text': {
        const lines = inline.text.split('\n');
        lines.forEach((line, index) => {
          if (index > 0) out.push({ t: 'br' });
          pushText(out, line, inline.f);
        });
        break;
      }
      case 'link': {
        const children: TextInline[] = [];
        for (const child of inline.children) pushText(children, child.text.replace(/\n/g, ' '), child.f);
        const hasText = children.some((child) => child.text.trim() !== '');
        out.push({ t: 'link', url: inline.url, children: hasText ? children : [{ t: 'text', text: inline.url }] });
        break;
      }
      case 'mention':
        out.push({ t: 'mention', kind: inline.kind, id: inline.id, name: inline.name });
        break;
      case 'br':
        out.push({ t: 'br' });
        break;
    }
  }
  while (out[0]?.t === 'br') out.shift();
  while (out[out.length - 1]?.t === 'br') out.pop();
  return out;
}

/** Appends text, merging into the previous run when it has the same format. */
function pushText(out: Inline[], text: string, format: number | undefined): void {
  if (text === '') return;
  const f = format ? format : undefined;
  const last = out[out.length - 1];
  if (last && last.t === 'text' && last.f === f) {
    last.text += text;
    return;
  }
  out.push(f === undefined ? { t: 'text', text } : { t: 'text', text, f });
}

// ---- reading a body ----

/** Whether a body shows anything: a mention, or text that is not only whitespace. */
export function hasVisibleContent(body: CommentBody): boolean {
  return body.blocks.some((block) => {
    switch (block.t) {
      case 'code':
        return block.text.trim() !== '';
      case 'p':
      case 'quote':
        return inlinesHaveContent(block.children);
      case 'list':
        return listHasContent(block);
    }
  });
}

function listHasContent(list: ListBlock): boolean {
  return list.items.some((item) => inlinesHaveContent(item.children) || (item.list ? listHasContent(item.list) : false));
}

function inlinesHaveContent(inlines: Inline[]): boolean {
  return inlines.some((inline) => inline.t === 'mention' || (inline.t !== 'br' && inlineText(inline).trim() !== ''));
}

/**
 * Plain text: mentions as `@Name`, one block after another on new lines,
 * quotes prefixed "> ", list items "- " or "1. " (nested ones indented by two
 * spaces), code as written. `REVIEW_LIMITS.commentChars` counts this text.
 */
export function bodyText(body: CommentBody): string {
  return body.blocks.map(blockText).join('\n');
}

function blockText(block: Block): string {
  switch (block.t) {
    case 'p':
      return inlinesText(block.children);
    case 'quote':
      return inlinesText(block.children)
        .split('\n')
        .map((line) => `> ${line}`)
        .join('\n');
    case 'code':
      return block.text;
    case 'list':
      return listText(block, '');
  }
}

function listText(list: ListBlock, indent: string): string {
  return list.items
    .map((item, index) => {
      const marker = list.ordered ? `${index + 1}. ` : '- ';
      const continuation = `\n${indent}${' '.repeat(marker.length)}`;
      const own = `${indent}${marker}${inlinesText(item.children).split('\n').join(continuation)}`;
      return item.list ? `${own}\n${listText(item.list, `${indent}  `)}` : own;
    })
    .join('\n');
}

function inlinesText(inlines: Inline[]): string {
  return inlines.map(inlineText).join('');
}

function inlineText(inline: Inline): string {
  switch (inline.t) {
    case 'text':
      return inline.text;
    case 'link':
      return inline.children.map((child) => child.text).join('');
    case 'mention':
      return `@${inline.name}`;
    case 'br':
      return '\n';
  }
}

/** Who the body mentions, each once, in order of first mention. */
export function bodyMentions(body: CommentBody): MentionRef[] {
  const seen = new Set<string>();
  const mentions: MentionRef[] = [];
  const visit = (inlines: Inline[]): void => {
    for (const inline of inlines) {
      if (inline.t !== 'mention') continue;
      const key = `${inline.kind}:${inline.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      mentions.push({ kind: inline.kind, id: inline.id });
    }
  };
  const visitList = (list: ListBlock): void => {
    for (const item of list.items) {
      visit(item.children);
      if (item.list) visitList(item.list);
    }
  };
  for (const block of body.blocks) {
    if (block.t === 'p' || block.t === 'quote') visit(block.children);
    else if (block.t === 'list') visitList(block);
  }
  return mentions;
}

/**
 * The body with every mention `keep` refuses turned into the plain text
 * `@name` it reads as, normalized again (so the text merges with its
 * neighbours, as if typed). The server uses it for mentions of anyone who
 * cannot be mentioned here: they read exactly like an unknown `@handle` in
 * markdown, so a comment's answer never tells whether someone is a member.
 * The plain text (`bodyText`), and so every limit, stays the same.
 */
export function mentionsAsText(body: CommentBody, keep: (mention: MentionRef) => boolean): CommentBody {
  const inlines = (children: Inline[]): Inline[] =>
    children.map((inline) => (inline.t === 'mention' && !keep(inline) ? { t: 'text', text: `@${inline.name}` } : inline));
  const list = (block: ListBlock): ListBlock => ({
    ...block,
    items: block.items.map((item) => (item.list ? { children: inlines(item.children), list: list(item.list) } : { children: inlines(item.children) })),
  });
  const blocks = body.blocks.map((block): Block => {
    switch (block.t) {
      case 'p':
      case 'quote':
        return { t: block.t, children: inlines(block.children) };
      case 'list':
        return list(block);
      case 'code':
        return block;
    }
  });
  return normalizeBody({ v: 1, blocks });
}

/**
 * A body of plain paragraphs (blank lines separate them, single newlines
 * break lines); nothing in the text is read as markup. Goes through
 * `parseCommentBody`, so it throws the same errors (empty, too long, …).
 */
export function textBody(text: string): CommentBody {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((paragraph): Block => ({ t: 'p', children: [{ t: 'text', text: paragraph }] }));
  return parseCommentBody({ v: 1, blocks: paragraphs });
}
