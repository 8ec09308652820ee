/**
 * Markdown-lite → CommentBody, for agents and the CLI.
 *
 * Not CommonMark: the subset people and agents actually write in review
 * comments. Blocks: paragraphs (blank-line separated; a single newline is a
 * line break), fenced code with a language, `- ` / `* ` / `+ ` / `1. ` lists
 * nested by indentation, `> ` quotes, and `#` headings (as a bold line, since
 * bodies have no headings). Inline: `**bold**` / `__bold__`, `*italic*` /
 * `_italic_` (never inside a word, so snake_case stays), `` `code` ``,
 * `~~strike~~`, `[text](url)`, `<url>`, bare http(s) URLs, `@handle`
 * mentions, and backslash escapes.
 *
 * HTML is never interpreted: `<script>` is text like any other. A link whose
 * URL is not http, https or mailto stays text. The result goes through
 * `parseCommentBody`, so it meets every limit a body from the composer does.
 */
import { AppError } from '../errors';
import {
  isCommentLinkUrl,
  parseCommentBody,
  TEXT_FORMAT,
  type Block,
  type CommentBody,
  type Inline,
  type ListBlock,
  type ListItem,
  type MentionKind,
  type TextInline,
} from './body';
import { REVIEW_LIMITS } from './types';

export interface MentionTarget {
  kind: MentionKind;
  id: string;
  name: string;
}

/** Who `@handle` names (a handle is word characters, dots and dashes, or an email), or null to leave it as text. */
export type MentionResolver = (handle: string) => MentionTarget | null;

/** Markdown longer than this is refused before parsing (the body limits apply after). */
export const MAX_MARKDOWN_CHARS = REVIEW_LIMITS.bodyBytes;

export function markdownToBody(markdown: string, resolveMention: MentionResolver): CommentBody {
  if (markdown.length > MAX_MARKDOWN_CHARS) {
    throw new AppError(
      'bad_request',
      `Comment is too long: at most ${REVIEW_LIMITS.commentChars.toLocaleString('en-US')} characters.`,
    );
  }
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const blocks = new BlockParser(lines, resolveMention).parse();
  return parseCommentBody({ v: 1, blocks });
}

// ---- blocks ----

const BLANK = /^[ \t]*$/;
/** Any indentation: indented code blocks are not supported, and a fence inside a list item ends the list. */
const FENCE_OPEN = /^([ \t]*)(`{3,}|~{3,})[ \t]*([^\s`]*)[^`]*$/;
const QUOTE_LINE = /^ {0,3}>/;
const HEADING = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$/;
const LIST_ITEM = /^([ \t]*)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$/;
const CODE_LANG = /^[a-z0-9+#-]{0,20}$/;
/** How far an item must be indented past its parent's marker to nest under it. */
const NEST_INDENT = 2;

interface ListLine {
  indent: number;
  ordered: boolean;
  /** The number an ordered item is written with. */
  start: number;
  text: string;
}

/** An item while its lines are gathered; its inline text is parsed once it is complete. */
interface DraftItem {
  lines: string[];
  list: DraftList | null;
}
interface DraftList {
  ordered: boolean;
  items: DraftItem[];
}

class BlockParser {
  private index = 0;
  private readonly blocks: Block[] = [];

  constructor(
    private readonly lines: string[],
    private readonly resolveMention: MentionResolver,
  ) {}

  parse(): Block[] {
    while (this.index < this.lines.length) {
      const line = this.lines[this.index];
      if (BLANK.test(line)) this.index++;
      else if (FENCE_OPEN.test(line)) this.blocks.push(this.readFence());
      else if (QUOTE_LINE.test(line)) this.blocks.push(this.readQuote());
      else if (readListLine(line)) this.blocks.push(this.readList());
      else if (HEADING.test(line)) this.blocks.push(this.readHeading());
      else this.blocks.push(this.readParagraph());
    }
    return this.blocks;
  }

  private readFence(): Block {
    const open = FENCE_OPEN.exec(this.lines[this.index]);
    this.index++;
    const indent = open?.[1].length ?? 0;
    const fence = open?.[2] ?? '```';
    const lang = (open?.[3] ?? '').toLowerCase();
    const closing = new RegExp(`^[ \\t]*${fence[0] === '`' ? '`' : '~'}{${fence.length},}[ \\t]*$`);
    const text: string[] = [];
    while (this.index < this.lines.length && !closing.test(this.lines[this.index])) {
      text.push(stripIndent(this.lines[this.index], indent));
      this.index++;
    }
    this.index++; // the closing fence (an unclosed fence runs to the end)
    return { t: 'code', lang: CODE_LANG.test(lang) ? lang : '', text: text.join('\n') };
  }

  private readQuote(): Block {
    const text: string[] = [];
    while (this.index < this.lines.length && QUOTE_LINE.test(this.lines[this.index])) {
      text.push(this.lines[this.index].replace(/^ {0,3}> ?/, ''));
      this.index++;
    }
    return { t: 'quote', children: this.inlines(joinLines(text), 0) };
  }

  private readHeading(): Block {
    const match = HEADING.exec(this.lines[this.index]);
    this.index++;
    return { t: 'p', children: this.inlines(match?.[1] ?? '', TEXT_FORMAT.bold) };
  }

  private readParagraph(): Block {
    const text: string[] = [this.lines[this.index].trim()];
    this.index++;
    while (this.index < this.lines.length && !this.interruptsParagraph(this.lines[this.index])) {
      text.push(this.lines[this.index].trim());
      this.index++;
    }
    return { t: 'p', children: this.inlines(joinLines(text), 0) };
  }

  /** A list interrupts a paragraph only with a bullet or "1." (so "2024. It was…" stays a sentence). */
  private interruptsParagraph(line: string): boolean {
    if (BLANK.test(line) || FENCE_OPEN.test(line) || QUOTE_LINE.test(line) || HEADING.test(line)) return true;
    const item = readListLine(line);
    return item !== null && (!item.ordered || item.start === 1);
  }

  /**
   * Items nest under the item before them when indented at least two columns
   * further (so two- and four-space styles both work). Nesting deeper than a
   * body allows keeps the extra items at the deepest level instead of failing.
   */
  private readList(): Block {
    const first = readListLine(this.lines[this.index]) as ListLine;
    const root: DraftList = { ordered: first.ordered, items: [] };
    const stack: Array<{ indent: number; list: DraftList }> = [{ indent: first.indent, list: root }];

    while (this.index < this.lines.length) {
      const line = this.lines[this.index];
      const item = readListLine(line);
      if (item) {
        while (stack.length > 1 && item.indent < stack[stack.length - 1].indent) stack.pop();
        let top = stack[stack.length - 1];
        const parent = top.list.items[top.list.items.length - 1];
        if (item.indent >= top.indent + NEST_INDENT && parent && stack.length < REVIEW_LIMITS.listDepth) {
          parent.list ??= { ordered: item.ordered, items: [] };
          top = { indent: item.indent, list: parent.list };
          stack.push(top);
        } else if (stack.length === 1 && item.ordered !== root.ordered) {
          break; // a top-level list of the other kind starts a new list
        }
        top.list.items.push({ lines: [item.text], list: null });
        this.index++;
        continue;
      }
      if (BLANK.test(line)) {
        if (!this.listContinuesAfterBlank()) break;
        this.index++;
        continue;
      }
      if (FENCE_OPEN.test(line) || QUOTE_LINE.test(line) || HEADING.test(line)) break;
      const current = lastItem(stack[stack.length - 1].list);
      if (!current) break;
      current.lines.push(line.trim()); // a continuation line of the current item
      this.index++;
    }
    return this.finishList(root);
  }

  /** After a blank line, a list goes on only with another item or an indented continuation. */
  private listContinuesAfterBlank(): boolean {
    let next = this.index;
    while (next < this.lines.length && BLANK.test(this.lines[next])) next++;
    if (next >= this.lines.length) return false;
    const line = this.lines[next];
    if (FENCE_OPEN.test(line)) return false;
    return readListLine(line) !== null || indentWidth(line) >= NEST_INDENT;
  }

  private finishList(draft: DraftList): ListBlock {
    return {
      t: 'list',
      ordered: draft.ordered,
      items: draft.items.map((item): ListItem => {
        const children = this.inlines(joinLines(item.lines), 0);
        return item.list ? { children, list: this.finishList(item.list) } : { children };
      }),
    };
  }

  private inlines(text: string, format: number): Inline[] {
    return new InlineParser(text, this.resolveMention).parse(format);
  }
}

function readListLine(line: string): ListLine | null {
  const match = LIST_ITEM.exec(line);
  if (!match) return null;
  const ordered = /\d/.test(match[2]);
  return { indent: indentWidth(line), ordered, start: ordered ? Number.parseInt(match[2], 10) : 0, text: match[3] ?? '' };
}

function lastItem(list: DraftList): DraftItem | undefined {
  let item = list.items[list.items.length - 1];
  while (item?.list) item = item.list.items[item.list.items.length - 1];
  return item;
}

/** Leading whitespace in columns (a tab counts as four). */
function indentWidth(line: string): number {
  let width = 0;
  for (const char of line) {
    if (char === ' ') width += 1;
    else if (char === '\t') width += 4;
    else break;
  }
  return width;
}

function stripIndent(line: string, indent: number): string {
  let index = 0;
  while (index < indent && (line[index] === ' ' || line[index] === '\t')) index++;
  return line.slice(index);
}

/** Lines of one paragraph: a trailing backslash or spaces (markdown's hard breaks) are just a newline here. */
function joinLines(lines: string[]): string {
  return lines.map((line) => line.replace(/(?:\\|[ \t]+)$/, '')).join('\n');
}

// ---- inlines ----

const ESCAPABLE = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/;
const WORD_CHAR = /[\p{L}\p{N}_]/u;
const WHITESPACE = /\s/;
const BARE_URL = /^https?:\/\/[^\s<>]+/;
const ANGLE_AUTOLINK = /^<((?:https?|mailto):[^\s<>]+)>/;
const EMAIL_HANDLE = /^@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/;
const WORD_HANDLE = /^@([\p{L}\p{N}_][\p{L}\p{N}_.-]*)/u;
/** Trailing characters that end a sentence rather than a URL. */
const URL_TRAILING_PUNCTUATION = /[.,;:!?'"*_~]$/;

type Delimiter = '*' | '**' | '_' | '__' | '~~';
const DELIMITER_FORMAT: Record<Delimiter, number> = {
  '*': TEXT_FORMAT.italic,
  '_': TEXT_FORMAT.italic,
  '**': TEXT_FORMAT.bold,
  '__': TEXT_FORMAT.bold,
  '~~': TEXT_FORMAT.strikethrough,
};

/**
 * A single left-to-right pass that recurses into emphasis and link text. Each
 * parser remembers where a closer search already failed (a delimiter, a code
 * span of some length, a `]`), so hostile input with thousands of unclosed
 * openers stays linear instead of rescanning to the end for each one.
 */
class InlineParser {
  private readonly out: Inline[] = [];
  private pending = '';
  private pendingFormat = 0;
  /** Delimiter (or "`n" / "]") → the position from which no closer exists. */
  private readonly noCloserFrom = new Map<string, number>();

  constructor(
    private readonly src: string,
    private readonly resolveMention: MentionResolver,
    private readonly inLink = false,
  ) {}

  parse(format: number, from = 0, to = this.src.length): Inline[] {
    let i = from;
    while (i < to) i = this.step(i, to, format);
    this.flush();
    return this.out;
  }

  /** Handles whatever starts at `i`; returns where to go on. */
  private step(i: number, to: number, format: number): number {
    const src = this.src;
    const char = src[i];
    switch (char) {
      case '\\':
        if (i + 1 < to && ESCAPABLE.test(src[i + 1])) {
          this.text(src[i + 1], format);
          return i + 2;
        }
        break;
      case '\n':
        this.flush();
        this.out.push({ t: 'br' });
        return i + 1;
      case '`':
        return this.codeSpan(i, to, format);
      case '*':
      case '_':
      case '~':
        return this.emphasis(i, to, format);
      case '[':
        if (!this.inLink) return this.link(i, to, format);
        break;
      case '<':
        if (!this.inLink) return this.angleAutolink(i, to, format);
        break;
      case '@':
        if (!this.inLink) return this.mention(i, to, format);
        break;
      case 'h':
        if (!this.inLink) return this.bareUrl(i, to, format);
        break;
    }
    this.text(char, format);
    return i + 1;
  }

  private codeSpan(i: number, to: number, format: number): number {
    const length = runLength(this.src, i, '`', to);
    const close = this.findCodeClose(i + length, to, length);
    if (close < 0) {
      this.text('`'.repeat(length), format);
      return i + length;
    }
    let code = this.src.slice(i + length, close).replace(/\n/g, ' ');
    if (code.length > 2 && code.startsWith(' ') && code.endsWith(' ') && code.trim() !== '') code = code.slice(1, -1);
    this.text(code, format | TEXT_FORMAT.code);
    return close + length;
  }

  private findCodeClose(from: number, to: number, length: number): number {
    const key = `\`${length}`;
    if (from >= (this.noCloserFrom.get(key) ?? Infinity)) return -1;
    let j = from;
    while (j < to) {
      if (this.src[j] === '`') {
        const run = runLength(this.src, j, '`', to);
        if (run === length) return j;
        j += run;
      } else j++;
    }
    this.noCloserFrom.set(key, from);
    return -1;
  }

  private emphasis(i: number, to: number, format: number): number {
    const char = this.src[i];
    const run = runLength(this.src, i, char, to);
    const candidates: Delimiter[] =
      char === '~' ? (run >= 2 ? ['~~'] : []) : run >= 2 ? [`${char}${char}` as Delimiter, char as Delimiter] : [char as Delimiter];
    for (const delimiter of candidates) {
      if (!this.canOpen(i, delimiter, to)) continue;
      const close = this.findEmphasisClose(i + delimiter.length, to, delimiter);
      if (close < 0) continue;
      this.flush();
      const inner = new InlineParser(this.src, this.resolveMention, this.inLink);
      this.out.push(...inner.parse(format | DELIMITER_FORMAT[delimiter], i + delimiter.length, close));
      return close + delimiter.length;
    }
    this.text(char.repeat(run), format);
    return i + run;
  }

  private canOpen(i: number, delimiter: Delimiter, to: number): boolean {
    const next = this.src[i + delimiter.length];
    if (next === undefined || i + delimiter.length >= to || WHITESPACE.test(next)) return false;
    // `_` never opens inside a word: snake_case_names stay as written.
    return delimiter[0] !== '_' || i === 0 || !WORD_CHAR.test(this.src[i - 1]);
  }

  /**
   * The first run of the delimiter's character that can close it: preceded by
   * non-whitespace, long enough, and (for `_`) not followed by a word
   * character. A single `*` skips `**` runs, which pair among themselves.
   * The closer takes the end of a longer run, so `***both***` nests.
   */
  private findEmphasisClose(from: number, to: number, delimiter: Delimiter): number {
    if (from >= (this.noCloserFrom.get(delimiter) ?? Infinity)) return -1;
    const char = delimiter[0];
    let j = from;
    while (j < to) {
      const c = this.src[j];
      if (c === '\\') {
        j += 2;
        continue;
      }
      if (c === '`') {
        const length = runLength(this.src, j, '`', to);
        const close = this.findCodeClose(j + length, to, length);
        j = close < 0 ? j + length : close + length;
        continue;
      }
      if (c !== char) {
        j++;
        continue;
      }
      const run = runLength(this.src, j, char, to);
      const end = j + run;
      const canClose =
        j > from &&
        !WHITESPACE.test(this.src[j - 1]) &&
        run >= delimiter.length &&
        !(delimiter.length === 1 && run === 2) &&
        (char !== '_' || end >= to || !WORD_CHAR.test(this.src[end]));
      if (canClose) return end - delimiter.length;
      j = end;
    }
    this.noCloserFrom.set(delimiter, from);
    return -1;
  }

  /** `[text](url)`: a safe URL makes a link; any other keeps its text and shows the URL as text after it. */
  private link(i: number, to: number, format: number): number {
    const closeBracket = this.findCloseBracket(i + 1, to);
    const target = closeBracket < 0 ? null : readLinkTarget(this.src, closeBracket + 1, to);
    if (!target) {
      this.text('[', format);
      return i + 1;
    }
    if (isCommentLinkUrl(target.url)) {
      const label = new InlineParser(this.src, this.resolveMention, true).parse(format, i + 1, closeBracket);
      this.flush();
      this.out.push({ t: 'link', url: target.url, children: toLinkText(label) });
    } else {
      const label = new InlineParser(this.src, this.resolveMention, this.inLink).parse(format, i + 1, closeBracket);
      this.flush();
      this.out.push(...label);
      if (target.url !== '') this.text(` (${target.url})`, format);
    }
    return target.end;
  }

  private findCloseBracket(from: number, to: number): number {
    if (from >= (this.noCloserFrom.get(']') ?? Infinity)) return -1;
    let depth = 0;
    let j = from;
    while (j < to) {
      const c = this.src[j];
      if (c === '\\') j += 2;
      else if (c === '`') {
        const length = runLength(this.src, j, '`', to);
        const close = this.findCodeClose(j + length, to, length);
        j = close < 0 ? j + length : close + length;
      } else if (c === '[') {
        depth++;
        j++;
      } else if (c === ']') {
        if (depth === 0) return j;
        depth--;
        j++;
      } else j++;
    }
    this.noCloserFrom.set(']', from);
    return -1;
  }

  private angleAutolink(i: number, to: number, format: number): number {
    const match = ANGLE_AUTOLINK.exec(this.src.slice(i, Math.min(to, i + 2100)));
    if (!match || !isCommentLinkUrl(match[1])) {
      this.text('<', format);
      return i + 1;
    }
    this.pushLink(match[1], format);
    return i + match[0].length;
  }

  private bareUrl(i: number, to: number, format: number): number {
    const atWordStart = (i === 0 || !WORD_CHAR.test(this.src[i - 1])) && this.src.startsWith('http', i);
    const match = atWordStart ? BARE_URL.exec(this.src.slice(i, Math.min(to, i + 2100))) : null;
    if (!match) {
      this.text('h', format);
      return i + 1;
    }
    const url = trimUrl(match[0]);
    if (!isCommentLinkUrl(url)) {
      this.text(url, format);
      return i + url.length;
    }
    this.pushLink(url, format);
    return i + url.length;
  }

  /** `@handle` at the start of a word; a handle the resolver does not know stays text. */
  private mention(i: number, to: number, format: number): number {
    const atWordStart = i === 0 || !WORD_CHAR.test(this.src[i - 1]);
    const rest = this.src.slice(i, Math.min(to, i + 320));
    const match = atWordStart ? (EMAIL_HANDLE.exec(rest) ?? WORD_HANDLE.exec(rest)) : null;
    if (match) {
      // "thanks @ada." — try the handle without the sentence's trailing dots and dashes too.
      for (let handle = match[1]; handle !== ''; handle = handle.slice(0, -1)) {
        const target = this.resolveMention(handle);
        if (target) {
          this.flush();
          this.out.push({ t: 'mention', kind: target.kind, id: target.id, name: target.name });
          return i + 1 + handle.length;
        }
        if (!/[.-]$/.test(handle)) break;
      }
    }
    this.text('@', format);
    return i + 1;
  }

  private pushLink(url: string, format: number): void {
    this.flush();
    this.out.push({ t: 'link', url, children: [format ? { t: 'text', text: url, f: format } : { t: 'text', text: url }] });
  }

  private text(text: string, format: number): void {
    if (format !== this.pendingFormat) this.flush();
    this.pendingFormat = format;
    this.pending += text;
  }

  private flush(): void {
    if (this.pending === '') return;
    this.out.push(this.pendingFormat ? { t: 'text', text: this.pending, f: this.pendingFormat } : { t: 'text', text: this.pending });
    this.pending = '';
  }
}

function runLength(src: string, from: number, char: string, to: number): number {
  let end = from;
  while (end < to && src[end] === char) end++;
  return end - from;
}

/** `(url)` or `(<url>)` with an optional quoted title, right after `]`. */
function readLinkTarget(src: string, open: number, to: number): { url: string; end: number } | null {
  if (src[open] !== '(') return null;
  let j = open + 1;
  while (j < to && (src[j] === ' ' || src[j] === '\t')) j++;
  let url: string;
  if (src[j] === '<') {
    const close = src.indexOf('>', j);
    if (close < 0 || close >= to || src.slice(j + 1, close).includes('\n')) return null;
    url = src.slice(j + 1, close);
    j = close + 1;
  } else {
    let depth = 0;
    const start = j;
    while (j < to && !WHITESPACE.test(src[j])) {
      if (src[j] === '(') depth++;
      else if (src[j] === ')') {
        if (depth === 0) break;
        depth--;
      }
      j++;
    }
    url = src.slice(start, j);
  }
  while (j < to && (src[j] === ' ' || src[j] === '\t')) j++;
  if (src[j] === '"' || src[j] === "'") {
    const close = src.indexOf(src[j], j + 1);
    if (close < 0 || close >= to) return null;
    j = close + 1;
    while (j < to && (src[j] === ' ' || src[j] === '\t')) j++;
  }
  if (src[j] !== ')') return null;
  return { url, end: j + 1 };
}

/** A link holds only text: mentions inside its label read as `@Name`, formats stay. */
function toLinkText(label: Inline[]): TextInline[] {
  const out: TextInline[] = [];
  for (const inline of label) {
    if (inline.t === 'text') out.push(inline);
    else if (inline.t === 'mention') out.push({ t: 'text', text: `@${inline.name}` });
    else if (inline.t === 'br') out.push({ t: 'text', text: ' ' });
    else out.push(...inline.children);
  }
  return out;
}

/** A bare URL ends before sentence punctuation and before a `)` it did not open. */
function trimUrl(url: string): string {
  let trimmed = url;
  for (;;) {
    if (URL_TRAILING_PUNCTUATION.test(trimmed)) trimmed = trimmed.slice(0, -1);
    else if (trimmed.endsWith(')') && count(trimmed, '(') < count(trimmed, ')')) trimmed = trimmed.slice(0, -1);
    else return trimmed;
  }
}

function count(text: string, char: string): number {
  let n = 0;
  for (const c of text) if (c === char) n++;
  return n;
}
