import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The CSS scales hold: font sizes, stacking and spacing come from the tokens in
 * app/globals.css, @media names only the documented breakpoints, and the dark
 * palette is written once. A new `font-size: 13.5px`, `z-index: 999` or
 * `@media (max-width: 700px)` anywhere under app/ fails here with its file and line.
 */

const ROOT = join(__dirname, '..', '..');
const APP = join(ROOT, 'app');
const TOKENS_FILE = 'app/globals.css';
const BREAKPOINTS = [480, 720, 960, 1200, 1600];
const SPACING = /^(padding|margin|gap|row-gap|column-gap|top|right|bottom|left|inset|scroll-margin|scroll-padding)(-[a-z-]+)?$/;

interface Problem {
  file: string;
  line: number;
  message: string;
}

function cssFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return cssFiles(path);
    return entry.name.endsWith('.css') ? [path] : [];
  });
}

/** Blanks out comments but keeps offsets, so line numbers stay right; remembers which lines carried a comment. */
function stripComments(css: string): { code: string; commentedLines: Set<number> } {
  const commentedLines = new Set<number>();
  const code = css.replace(/\/\*[\s\S]*?\*\//g, (comment, offset: number) => {
    const first = lineAt(css, offset);
    for (let line = first; line <= first + (comment.match(/\n/g)?.length ?? 0); line++) commentedLines.add(line);
    return comment.replace(/[^\n]/g, ' ');
  });
  return { code, commentedLines };
}

function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/** Every rule the scales impose, on one stylesheet's text. */
export function checkStylesheet(file: string, css: string): Problem[] {
  const problems: Problem[] = [];
  const { code, commentedLines } = stripComments(css);
  const report = (offset: number, message: string) => problems.push({ file, line: lineAt(code, offset), message });
  const isTokens = file === TOKENS_FILE;

  for (const media of code.matchAll(/@media([^{]*)\{/g)) {
    for (const width of media[1]!.matchAll(/(?:(?:min|max)-)?width\s*(?::|[<>]=?)\s*([\d.]+)(px|em|rem)?/g)) {
      const value = Number(width[1]);
      if (width[2] !== 'px' || !BREAKPOINTS.includes(value)) {
        report(media.index, `@media width ${width[1]}${width[2] ?? ''} is not one of the breakpoints ${BREAKPOINTS.join('/')} px`);
      }
    }
    if (/prefers-color-scheme/.test(media[1]!)) report(media.index, 'a prefers-color-scheme block: colours are written once with light-dark() in app/globals.css');
  }

  for (const rule of code.matchAll(/([^{}]*)\{([^{}]*)\}/g)) {
    const selector = rule[1]!.trim();
    const body = rule[2]!;
    const bodyOffset = rule.index + rule[1]!.length + 1;
    if (/data-theme/.test(selector)) {
      const declared = [...body.matchAll(/([a-z-]+)\s*:/g)].map((match) => match[1]);
      if (!isTokens || declared.some((property) => property !== 'color-scheme')) {
        report(rule.index + rule[1]!.search(/\S/), `${selector} sets more than color-scheme: the palette is written once, with light-dark(), in ${TOKENS_FILE}`);
      }
    }
    for (const declaration of body.matchAll(/([a-z-]+)\s*:\s*([^;]+)/g)) {
      const [, property, rawValue] = declaration as unknown as [string, string, string];
      const value = rawValue.trim();
      const offset = bodyOffset + declaration.index;
      if (property === 'font-size' && !/^(var\(--text-[a-z0-9]+\)|inherit)$/.test(value)) {
        report(offset, `font-size: ${value} is not a type token (var(--text-…))`);
      }
      if (property === 'font' && !/^inherit$/.test(value) && !/var\(--text-/.test(value)) {
        report(offset, `font: ${value} sets a size outside the type tokens`);
      }
      if (property === 'z-index' && !/^(auto|0|var\(--z-[a-z]+\)|calc\(var\(--z-[a-z]+\) [+-] [1-9]\))$/.test(value)) {
        report(offset, `z-index: ${value} is not a named layer (var(--z-…))`);
      }
      if (SPACING.test(property)) {
        const literal = [...value.matchAll(/(\d*\.?\d+)px/g)].find((match) => Number(match[1]) > 1);
        if (literal && !commentedLines.has(lineAt(code, offset))) {
          report(offset, `${property}: ${value} uses ${literal[0]}: use a var(--space-…) step, or say on the line why the size is geometric`);
        }
      }
    }
  }
  return problems;
}

/** Which tokens of a family the sheets use, and which the tokens file defines. */
function tokens(css: string, family: string, kind: 'used' | 'defined'): Set<string> {
  const pattern = kind === 'used' ? new RegExp(`var\\((--${family}-[a-z0-9-]+)\\)`, 'g') : new RegExp(`(--${family}-[a-z0-9-]+)\\s*:`, 'g');
  return new Set([...css.matchAll(pattern)].map((match) => match[1]!));
}

describe('the CSS scales', () => {
  const sheets = cssFiles(APP).map((path) => ({ file: relative(ROOT, path).split('\\').join('/'), css: readFileSync(path, 'utf8') }));

  it('finds the stylesheets', () => {
    expect(sheets.map((sheet) => sheet.file)).toContain(TOKENS_FILE);
    expect(sheets.length).toBeGreaterThan(30);
  });

  it('every font size, z-index, spacing and breakpoint under app/ comes from the scales', () => {
    const problems = sheets.flatMap((sheet) => checkStylesheet(sheet.file, sheet.css)).map((p) => `${p.file}:${p.line}: ${p.message}`);
    expect(problems).toEqual([]);
  });

  it('every token a sheet uses is defined in the tokens file', () => {
    const defined = sheets.find((sheet) => sheet.file === TOKENS_FILE)!.css;
    for (const family of ['text', 'leading', 'z', 'space', 'radius']) {
      const known = tokens(defined, family, 'defined');
      const unknown = sheets.flatMap((sheet) => [...tokens(sheet.css, family, 'used')].filter((name) => !known.has(name)).map((name) => `${sheet.file}: ${name}`));
      expect(unknown, family).toEqual([]);
    }
  });

  it('catches what it is there to catch', () => {
    const bad = `
.a { font-size: 13.5px; z-index: 999; padding: 10px 12px; }
.b { z-index: calc(var(--z-sticky) + 1); font-size: var(--text-sm); padding: var(--space-2) 1px; margin-left: -18px; /* half the handle */ }
@media (max-width: 700px) { .c { gap: var(--space-1); } }
@media (prefers-color-scheme: dark) { .d { color: #fff; } }
:root[data-theme='dark'] .e { color: #000; }
`;
    const messages = checkStylesheet('app/x.module.css', bad).map((p) => `${p.line}: ${p.message.split(' ').slice(0, 2).join(' ')}`);
    expect(messages).toEqual(['4: @media width', '5: a prefers-color-scheme', '2: font-size: 13.5px', '2: z-index: 999', '2: padding: 10px', "6: :root[data-theme='dark'] .e"]);
  });
});
