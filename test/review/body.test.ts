import { describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors';
import {
  bodyMentions,
  bodyText,
  commentBodySchema,
  DELETED_BODY,
  hasVisibleContent,
  mentionsAsText,
  parseCommentBody,
  textBody,
  type Block,
  type CommentBody,
  type Inline,
  type ListBlock,
} from '../../lib/review/body';
import { REVIEW_LIMITS } from '../../lib/review/types';

const para = (...children: Inline[]): Block => ({ t: 'p', children });
const text = (value: string, f?: number): Inline => (f === undefined ? { t: 'text', text: value } : { t: 'text', text: value, f });
const body = (...blocks: unknown[]): unknown => ({ v: 1, blocks });
const link = (url: string, label = 'label'): Inline => ({ t: 'link', url, children: [{ t: 'text', text: label }] });

/** The AppError message parseCommentBody throws, or null when it accepts the body. */
function rejection(raw: unknown): string | null {
  try {
    parseCommentBody(raw);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('bad_request');
    return (error as AppError).message;
  }
}

function nestedList(depth: number): ListBlock {
  let list: ListBlock = { t: 'list', ordered: false, items: [{ children: [text(`level ${depth}`)] }] };
  for (let level = depth - 1; level >= 1; level--) {
    list = { t: 'list', ordered: level % 2 === 0, items: [{ children: [text(`level ${level}`)], list }] };
  }
  return list;
}

describe('parseCommentBody accepts', () => {
  it('every block and inline type, unchanged when already canonical', () => {
    const full: CommentBody = {
      v: 1,
      blocks: [
        para(
          text('plain '),
          text('bold', 1),
          text(' '),
          text('all four', 15),
          { t: 'br' },
          { t: 'link', url: 'https://example.com/a?b=c#d', children: [{ t: 'text', text: 'a link', f: 2 }] },
          text(' '),
          { t: 'mention', kind: 'user', id: 'u1', name: 'Ada' },
          text(' and '),
          { t: 'mention', kind: 'agent', id: 'agent', name: 'Agent' },
        ),
        { t: 'quote', children: [text('quoted')] },
        { t: 'code', lang: 'c++', text: 'int main() {\n\treturn 0;\n}' },
        { t: 'list', ordered: true, items: [{ children: [text('one')], list: nestedList(3) }, { children: [text('two')] }] },
        para({ t: 'link', url: 'mailto:ada@example.com', children: [{ t: 'text', text: 'mail' }] }),
      ],
    };
    expect(parseCommentBody(full)).toEqual(full);
  });

  it('lists nested exactly as deep as the limit', () => {
    expect(rejection(body(nestedList(REVIEW_LIMITS.listDepth)))).toBeNull();
  });

  it('exactly the most mentions allowed, counting each person once', () => {
    const mentions: Inline[] = [];
    for (let i = 0; i < REVIEW_LIMITS.mentionsPerComment; i++) mentions.push({ t: 'mention', kind: 'user', id: `u${i}`, name: `P${i}` });
    mentions.push({ t: 'mention', kind: 'user', id: 'u0', name: 'P0' });
    expect(rejection(body(para(...mentions)))).toBeNull();
  });

  it('a body that is only a mention', () => {
    expect(rejection(body(para({ t: 'mention', kind: 'agent', id: 'agent', name: 'Agent' })))).toBeNull();
  });
});

describe('parseCommentBody normalizes', () => {
  it('merges adjacent text of the same format and drops empty text and zero formats', () => {
    const parsed = parseCommentBody(body(para(text('a'), text('b', 0), text(''), text('c', 1), text('d', 1), text('', 2), text('e'))));
    expect(parsed.blocks).toEqual([para(text('ab'), text('cd', 1), text('e'))]);
  });

  it('turns newlines inside text into line breaks and trims breaks at the edges of a block', () => {
    const parsed = parseCommentBody(body(para({ t: 'br' }, text('one\ntwo'), { t: 'br' }, { t: 'br' })));
    expect(parsed.blocks).toEqual([para(text('one'), { t: 'br' }, text('two'))]);
  });

  it('strips unknown keys everywhere', () => {
    const parsed = parseCommentBody({
      v: 1,
      html: '<b>x</b>',
      blocks: [{ t: 'p', style: 'color:red', children: [{ t: 'text', text: 'x', onclick: 'alert(1)' }] }],
    });
    expect(parsed).toEqual({ v: 1, blocks: [para(text('x'))] });
  });

  it('drops empty blocks, items and lists; folds an item holding only a nested list into the one before', () => {
    const parsed = parseCommentBody(
      body(
        para(),
        { t: 'code', lang: '', text: '' },
        { t: 'list', ordered: false, items: [] },
        {
          t: 'list',
          ordered: false,
          items: [
            { children: [text('a')] },
            { children: [], list: { t: 'list', ordered: true, items: [{ children: [text('b')] }] } },
            { children: [text('')] },
          ],
        },
      ),
    );
    expect(parsed.blocks).toEqual([
      { t: 'list', ordered: false, items: [{ children: [text('a')], list: { t: 'list', ordered: true, items: [{ children: [text('b')] }] } }] },
    ]);
  });

  it('gives a link without text its URL as text, and defaults a missing code language', () => {
    const parsed = parseCommentBody(body(para({ t: 'link', url: 'https://e.com', children: [] }), { t: 'code', text: 'x\n\n' }));
    expect(parsed.blocks).toEqual([
      para({ t: 'link', url: 'https://e.com', children: [{ t: 'text', text: 'https://e.com' }] }),
      { t: 'code', lang: '', text: 'x' },
    ]);
  });

  it('keeps HTML as text', () => {
    const html = '<script>alert(1)</script><img src=x onerror=alert(1)>';
    expect(parseCommentBody(body(para(text(html)))).blocks).toEqual([para(text(html))]);
  });
});

describe('parseCommentBody rejects', () => {
  it.each([
    ['javascript:alert(1)'],
    ['JaVaScRiPt:alert(1)'],
    ['java\tscript:alert(1)'],
    [' javascript:alert(1)'],
    ['\u0000javascript:alert(1)'],
    ['data:text/html,<script>alert(1)</script>'],
    ['vbscript:msgbox(1)'],
    ['file:///etc/passwd'],
    ['/relative/path'],
    ['//example.com/protocol-relative'],
    ['example.com'],
    [' https://example.com'],
    ['https://example.com '],
    ['https://exa mple.com'],
    [`https://example.com/${'a'.repeat(2100)}`],
  ])('the link URL %j', (url) => {
    expect(rejection(body(para(link(url))))).toMatch(/^Comment body: link URL must /);
  });

  it('names the problem and where it is', () => {
    expect(rejection(body(para(text('ok'), link('javascript:alert(1)'))))).toBe(
      'Comment body: link URL must be http, https or mailto (at blocks[0].children[1].url).',
    );
  });

  it.each([
    [{ t: 'html', html: '<b>x</b>' }, "unknown inline type (expected 'text', 'link', 'mention' or 'br') (at blocks[0].children[0].t)"],
    [{ t: 'image', src: 'https://e.com/x.png' }, 'unknown inline type'],
    [{ text: 'no type' }, 'unknown inline type'],
    ['just a string', 'blocks[0].children[0] must be an object'],
  ])('the unknown inline %j', (inline, message) => {
    expect(rejection(body(para(inline as Inline)))).toContain(message);
  });

  it.each([[{ t: 'h1', children: [] }], [{ t: 'html', html: '<script>' }], [{ t: 'table', rows: [] }]])('the unknown block %j', (block) => {
    expect(rejection(body(block))).toContain("unknown block type (expected 'p', 'quote', 'code' or 'list') (at blocks[0].t)");
  });

  it.each([['\u0000'], ['\u0007'], ['\u001b[31m'], ['\r'], ['\u007f'], ['\u0085'], ['\u009b']])('control character %j in text', (char) => {
    expect(rejection(body(para(text(`a${char}b`))))).toBe(
      'Comment body: text must not contain control characters (only newline and tab) (at blocks[0].children[0].text).',
    );
  });

  it('control characters in code, mention names and link text', () => {
    expect(rejection(body({ t: 'code', lang: '', text: 'a\u0000' }))).toContain('control characters');
    expect(rejection(body(para({ t: 'mention', kind: 'user', id: 'u1', name: 'A\u0008' })))).toContain('control characters');
    expect(rejection(body(para({ t: 'link', url: 'https://e.com', children: [{ t: 'text', text: '\u001b' }] })))).toContain(
      'control characters',
    );
  });

  it.each([[1.5, 'must be an integer'], [-1, 'between 0 and 15'], [16, 'between 0 and 15'], ['1', 'must be a number'], [Number.NaN, 'must be a number']])(
    'the text format %j',
    (f, message) => {
      expect(rejection(body(para({ t: 'text', text: 'x', f } as unknown as Inline))))
        .toContain(message);
    },
  );

  it.each([['JS'], ['c sharp'], ['<script>'], ['a'.repeat(21)]])('the code language %j', (lang) => {
    expect(rejection(body({ t: 'code', lang, text: 'x' }))).toBe(
      'Comment body: code language must be up to 20 of a-z 0-9 + # - (at blocks[0].lang).',
    );
  });

  it.each([
    [{ v: 1, blocks: [] }],
    [body(para())],
    [body(para(text('   \n\t ')))],
    [body(para({ t: 'br' }), { t: 'quote', children: [text(' ')] })],
    [body({ t: 'code', lang: 'ts', text: '  \n ' })],
    [body({ t: 'list', ordered: false, items: [{ children: [text(' ')] }] })],
    [body(para(text('')), { t: 'list', ordered: true, items: [] })],
  ])('an empty body %#', (raw) => {
    expect(rejection(raw)).toBe('Comment is empty.');
  });

  it('the deleted body, which only the constant may be', () => {
    expect(rejection(DELETED_BODY)).toBe('Comment is empty.');
    expect(Object.isFrozen(DELETED_BODY)).toBe(true);
    expect(Object.isFrozen(DELETED_BODY.blocks)).toBe(true);
    expect(commentBodySchema.safeParse(DELETED_BODY).success).toBe(true);
  });

  it.each([[null], [undefined], ['text'], [42], [[]], [{ blocks: [] }], [{ v: 2, blocks: [para(text('x'))] }], [{ v: 1, blocks: 'x' }]])(
    'the malformed body %j',
    (raw) => {
      expect(rejection(raw)).toMatch(/^Comment body/);
    },
  );

  it('lists nested deeper than the limit, however deep', () => {
    const message = `Comment body: lists may nest at most ${REVIEW_LIMITS.listDepth} levels.`;
    expect(rejection(body(nestedList(REVIEW_LIMITS.listDepth + 1)))).toBe(message);
    expect(rejection(body(nestedList(5_000)))).toMatch(/^Comment body/);
  });

  it('more people mentioned than the limit', () => {
    const mentions: Inline[] = [];
    for (let i = 0; i <= REVIEW_LIMITS.mentionsPerComment; i++) mentions.push({ t: 'mention', kind: 'user', id: `u${i}`, name: `P${i}` });
    expect(rejection(body(para(...mentions)))).toBe(`Comment mentions too many people: at most ${REVIEW_LIMITS.mentionsPerComment}.`);
  });

  it('more text than the limit', () => {
    expect(rejection(body(para(text('x'.repeat(REVIEW_LIMITS.commentChars)))))).toBeNull();
    expect(rejection(body(para(text('x'.repeat(REVIEW_LIMITS.commentChars + 1)))))).toBe('Comment is too long: at most 10,000 characters.');
  });

  it('a body larger than the byte limit, though its text is short', () => {
    // 4,000 characters of text, each in its own run: the structure is what is too large.
    const runs = Array.from({ length: 4_000 }, (_, i) => text('€', (i % 2) + 1));
    expect(rejection(body(para(...runs)))).toBe('Comment body is too large: at most 64 KiB.');
    expect(rejection(body(para(...runs.slice(0, 1_000))))).toBeNull();
    const manyBlocks = Array.from({ length: 5_000 }, () => para(text('x')));
    expect(rejection(body(...manyBlocks))).toBe('Comment body is too large: at most 64 KiB.');
  });

  it('more blocks than allowed', () => {
    const blocks = Array.from({ length: 201 }, () => para(text('x')));
    expect(rejection(body(...blocks))).toBe('Comment body has too many blocks: at most 200.');
    expect(rejection(body(...blocks.slice(1)))).toBeNull();
  });

  it('a link holding anything but text', () => {
    const raw = body({ t: 'p', children: [{ t: 'link', url: 'https://e.com', children: [{ t: 'mention', kind: 'user', id: 'u', name: 'x' }] }] });
    expect(rejection(raw)).toMatch(/^Comment body: .*blocks\[0\]\.children\[0\]\.children\[0\]/);
  });

  it('mentions without a kind, id or name', () => {
    expect(rejection(body(para({ t: 'mention', kind: 'robot', id: 'u', name: 'x' } as unknown as Inline)))).toContain(
      "mention kind must be 'user' or 'agent'",
    );
    expect(rejection(body(para({ t: 'mention', kind: 'user', id: '', name: 'x' })))).toContain('mention id must not be empty');
    expect(rejection(body(para({ t: 'mention', kind: 'user', id: 'u', name: '' })))).toContain('mention name must not be empty');
  });

  it('values that are not JSON data', () => {
    const cyclic: Record<string, unknown> = { v: 1 };
    cyclic.blocks = [cyclic];
    expect(rejection(cyclic)).toBe('Comment body must be plain JSON data.');
    expect(rejection({ v: 1, blocks: [para(text('x'))], n: BigInt(1) })).toBe('Comment body must be plain JSON data.');
  });
});

describe('reading a body', () => {
  const sample = parseCommentBody(
    body(
      para(text('Hi '), { t: 'mention', kind: 'user', id: 'u1', name: 'Ada' }, text(', see '), link('https://e.com', 'this'), { t: 'br' }, text('ok')),
      { t: 'quote', children: [text('one'), { t: 'br' }, text('two')] },
      { t: 'code', lang: 'ts', text: 'let a = 1;\nlet b = 2;' },
      {
        t: 'list',
        ordered: true,
        items: [
          { children: [text('first'), { t: 'br' }, text('more')], list: { t: 'list', ordered: false, items: [{ children: [text('inner')] }] } },
          { children: [{ t: 'mention', kind: 'agent', id: 'agent', name: 'Agent' }, text(' do it')] },
        ],
      },
      para({ t: 'mention', kind: 'user', id: 'u1', name: 'Ada' }),
    ),
  );

  it('bodyText: mentions as @Name, quotes with "> ", list markers, nested items indented', () => {
    expect(bodyText(sample)).toBe(
      ['Hi @Ada, see this', 'ok', '> one', '> two', 'let a = 1;', 'let b = 2;', '1. first', '   more', '  - inner', '2. @Agent do it', '@Ada'].join('\n'),
    );
  });

  it('bodyMentions: each person once, in order', () => {
    expect(bodyMentions(sample)).toEqual([
      { kind: 'user', id: 'u1' },
      { kind: 'agent', id: 'agent' },
    ]);
  });

  it('hasVisibleContent', () => {
    expect(hasVisibleContent(sample)).toBe(true);
    expect(hasVisibleContent(DELETED_BODY)).toBe(false);
  });
});

describe('textBody', () => {
  it('makes plain paragraphs and never reads markup', () => {
    expect(textBody('**not bold** <b>x</b> [a](javascript:alert(1))\r\nline two\n\n\nnext')).toEqual({
      v: 1,
      blocks: [para(text('**not bold** <b>x</b> [a](javascript:alert(1))'), { t: 'br' }, text('line two')), para(text('next'))],
    });
  });

  it('throws like parseCommentBody', () => {
    expect(() => textBody('  \n ')).toThrow('Comment is empty.');
    expect(() => textBody('x'.repeat(REVIEW_LIMITS.commentChars + 1))).toThrow(AppError);
  });
});

describe('mentionsAsText', () => {
  it('turns refused mentions into the text they read as, merged with their neighbours, anywhere in the body', () => {
    const ada: Inline = { t: 'mention', kind: 'user', id: 'u-ada', name: 'Ada' };
    const ghost: Inline = { t: 'mention', kind: 'user', id: 'u-ghost', name: 'Ghost' };
    const source = parseCommentBody(
      body(
        para(text('hi '), ghost, text(' and '), ada),
        { t: 'list', ordered: false, items: [{ children: [ghost], list: { t: 'list', ordered: true, items: [{ children: [text('x '), ghost] }] } }] },
        { t: 'code', lang: '', text: '@Ghost' },
      ),
    );
    const kept = mentionsAsText(source, (mention) => mention.id === 'u-ada');
    expect(kept).toEqual({
      v: 1,
      blocks: [
        para(text('hi @Ghost and '), ada),
        { t: 'list', ordered: false, items: [{ children: [text('@Ghost')], list: { t: 'list', ordered: true, items: [{ children: [text('x @Ghost')] }] } }] },
        { t: 'code', lang: '', text: '@Ghost' },
      ],
    });
    expect(bodyText(kept)).toBe(bodyText(source));
    expect(bodyMentions(kept)).toEqual([{ kind: 'user', id: 'u-ada' }]);
  });
});
