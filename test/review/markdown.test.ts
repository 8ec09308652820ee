import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { CommentBodyView } from '../../app/a/[id]/_review/comment-body';
import { AppError } from '../../lib/errors';
import { bodyMentions, bodyText, parseCommentBody, type Block, type CommentBody, type Inline, type TextInline } from '../../lib/review/body';
import { markdownToBody, type MentionResolver, type MentionTarget } from '../../lib/review/markdown';
import { REVIEW_LIMITS } from '../../lib/review/types';

const ADA: MentionTarget = { kind: 'user', id: 'u-ada', name: 'Ada Lovelace' };
const AGENT: MentionTarget = { kind: 'agent', id: 'agent', name: 'Agent' };
const HANDLES: Record<string, MentionTarget> = { ada: ADA, 'ada@example.com': ADA, 'ada.l': ADA, agent: AGENT };
const resolve: MentionResolver = (handle) => HANDLES[handle.toLowerCase()] ?? null;

const md = (source: string): Block[] => markdownToBody(source, resolve).blocks;
const text = (value: string, f?: number): TextInline => (f === undefined ? { t: 'text', text: value } : { t: 'text', text: value, f });
const p = (...children: Inline[]): Block => ({ t: 'p', children });
const br: Inline = { t: 'br' };
const mention = (target: MentionTarget): Inline => ({ t: 'mention', ...target });
const render = (body: CommentBody, viewerId: string | null = null): string =>
  renderToStaticMarkup(createElement(CommentBodyView, { body, viewerId }));

describe('markdownToBody: blocks', () => {
  it('blank lines separate paragraphs; single newlines are line breaks', () => {
    expect(md('one\ntwo  \nthree\\\n\n\nnext')).toEqual([p(text('one'), br, text('two'), br, text('three')), p(text('next'))]);
  });

  it('fenced code keeps its text and language, and reads nothing inside', () => {
    expect(md('```TypeScript\nconst a = "**x**" + `<b>`;\n\n  indented\n```\nafter')).toEqual([
      { t: 'code', lang: 'typescript', text: 'const a = "**x**" + `<b>`;\n\n  indented' },
      p(text('after')),
    ]);
    expect(md('~~~\nno lang\n~~~')).toEqual([{ t: 'code', lang: '', text: 'no lang' }]);
    expect(md('```not<a>lang\nx\n```')).toEqual([{ t: 'code', lang: '', text: 'x' }]);
    expect(md('```\nunclosed runs to the end\n- not a list')).toEqual([{ t: 'code', lang: '', text: 'unclosed runs to the end\n- not a list' }]);
  });

  it('lists: bullets, numbers, nesting by two or four spaces, continuation lines', () => {
    expect(md('- a\n* b\n  - b1\n    1. b1a\n- c\n  continued')).toEqual([
      {
        t: 'list',
        ordered: false,
        items: [
          { children: [text('a')] },
          {
            children: [text('b')],
            list: { t: 'list', ordered: false, items: [{ children: [text('b1')], list: { t: 'list', ordered: true, items: [{ children: [text('b1a')] }] } }] },
          },
          { children: [text('c'), br, text('continued')] },
        ],
      },
    ]);
    expect(md('1. one\n2. two\n    - four spaces')).toEqual([
      {
        t: 'list',
        ordered: true,
        items: [{ children: [text('one')] }, { children: [text('two')], list: { t: 'list', ordered: false, items: [{ children: [text('four spaces')] }] } }],
      },
    ]);
  });

  it('a list may follow a paragraph line directly, but "2024. It was…" is not a list', () => {
    expect(md('Changes:\n- one\n- two')).toEqual([
      p(text('Changes:')),
      { t: 'list', ordered: false, items: [{ children: [text('one')] }, { children: [text('two')] }] },
    ]);
    expect(md('It shipped in\n2024. Then it broke')).toEqual([p(text('It shipped in'), br, text('2024. Then it broke'))]);
  });

  it('lists nested past the limit keep their items at the deepest level', () => {
    const source = Array.from({ length: 7 }, (_, depth) => `${'  '.repeat(depth)}- level ${depth + 1}`).join('\n');
    const body = markdownToBody(source, resolve);
    expect(bodyText(body)).toBe(['- level 1', '  - level 2', '    - level 3', '      - level 4', '      - level 5', '      - level 6', '      - level 7'].join('\n'));
  });

  it('quotes, with inline formatting inside', () => {
    expect(md('> quoted **bold**\n> line two\n\nafter')).toEqual([
      { t: 'quote', children: [text('quoted '), text('bold', 1), br, text('line two')] },
      p(text('after')),
    ]);
  });

  it('headings become a bold line; #hashtags stay text', () => {
    expect(md('## Summary ##\n#hashtag')).toEqual([p(text('Summary', 1)), p(text('#hashtag'))]);
  });
});

describe('markdownToBody: inlines', () => {
  it('bold, italic, code, strikethrough, and their combinations', () => {
    expect(md('**b** __b__ *i* _i_ `c` ~~s~~ ***bi*** **b *bi* b**')).toEqual([
      p(
        text('b', 1),
        text(' '),
        text('b', 1),
        text(' '),
        text('i', 2),
        text(' '),
        text('i', 2),
        text(' '),
        text('c', 4),
        text(' '),
        text('s', 8),
        text(' '),
        text('bi', 3),
        text(' '),
        text('b ', 1),
        text('bi', 3),
        text(' b', 1),
      ),
    ]);
  });

  it('leaves snake_case, lone stars, unclosed markers and escapes as written', () => {
    expect(md('snake_case_name a * b **open \\*x\\* `` ` `` ~single~')).toEqual([
      p(text('snake_case_name a * b **open *x* '), text('`', 4), text(' ~single~')),
    ]);
  });

  it('code spans read nothing inside', () => {
    expect(md('`**x** [a](https://e.com) @ada <b>`')).toEqual([p(text('**x** [a](https://e.com) @ada <b>', 4))]);
  });

  it('links with safe URLs; unsafe or relative ones stay text with their URL shown', () => {
    expect(md('[the **docs**](https://example.com/a_(b)?q=1 "title") [x](javascript:alert(1)) [file](src/a.ts)')).toEqual([
      p(
        { t: 'link', url: 'https://example.com/a_(b)?q=1', children: [text('the '), text('docs', 1)] },
        text(' x (javascript:alert(1)) file (src/a.ts)'),
      ),
    ]);
    expect(md('[mail](mailto:ada@example.com) <https://example.com/x>')).toEqual([
      p({ t: 'link', url: 'mailto:ada@example.com', children: [text('mail')] }, text(' '), {
        t: 'link',
        url: 'https://example.com/x',
        children: [text('https://example.com/x')],
      }),
    ]);
  });

  it('bare http(s) URLs are links, without the sentence punctuation after them', () => {
    expect(md('See https://example.com/path?a=1. Or (http://example.com/x), not ftp://x or xhttps://y')).toEqual([
      p(
        text('See '),
        { t: 'link', url: 'https://example.com/path?a=1', children: [text('https://example.com/path?a=1')] },
        text('. Or ('),
        { t: 'link', url: 'http://example.com/x', children: [text('http://example.com/x')] },
        text('), not ftp://x or xhttps://y'),
      ),
    ]);
  });

  it('@handles the resolver knows become mentions; others, and emails, stay text', () => {
    const body = markdownToBody('@ada, @Agent. @ada.l @ada@example.com @nobody me@ada.com', resolve);
    expect(body.blocks).toEqual([
      p(mention(ADA), text(', '), mention(AGENT), text('. '), mention(ADA), text(' '), mention(ADA), text(' @nobody me@ada.com')),
    ]);
    expect(bodyMentions(body)).toEqual([
      { kind: 'user', id: 'u-ada' },
      { kind: 'agent', id: 'agent' },
    ]);
  });

  it('HTML is text', () => {
    expect(md('<script>alert(1)</script> <b onclick="x()">hi</b>')).toEqual([p(text('<script>alert(1)</script> <b onclick="x()">hi</b>'))]);
  });
});

describe('markdownToBody: limits', () => {
  it('goes through parseCommentBody', () => {
    expect(() => markdownToBody('  \n\n ', resolve)).toThrow('Comment is empty.');
    expect(() => markdownToBody('x'.repeat(REVIEW_LIMITS.commentChars + 1), resolve)).toThrow('Comment is too long');
    expect(() => markdownToBody('a\u0000b', resolve)).toThrow(AppError);
  });

  it('refuses markdown past its own size limit before parsing', () => {
    expect(() => markdownToBody('*'.repeat(REVIEW_LIMITS.bodyBytes + 1), resolve)).toThrow('Comment is too long');
  });

  it('stays fast on input built to make a parser backtrack', () => {
    const hostile = ['*a '.repeat(3_000), '_'.repeat(9_000), '['.repeat(9_000), '`a'.repeat(4_000), '**a *'.repeat(1_800), '[a](https://e.com '.repeat(400)];
    const started = performance.now();
    for (const source of hostile) {
      try {
        markdownToBody(source, resolve);
      } catch (error) {
        expect(error).toBeInstanceOf(AppError);
      }
    }
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('CommentBodyView', () => {
  it('renders every block and inline with elements only', () => {
    const body = markdownToBody(
      '**b** *i* `c` ~~s~~ [l](https://e.com) @ada\n> q\n\n```js\nlet x;\n```\n\n1. one\n   - nested',
      resolve,
    );
    const html = render(body);
    expect(html).toContain('<strong>b</strong>');
    expect(html).toContain('<em>i</em>');
    expect(html).toMatch(/<code class="[^"]*">c<\/code>/);
    expect(html).toContain('<s>s</s>');
    expect(html).toMatch(/<a class="[^"]*" href="https:\/\/e\.com" target="_blank" rel="noopener noreferrer nofollow ugc">l<\/a>/);
    expect(html).toMatch(/<span class="[^"]*" data-kind="user">@Ada Lovelace<\/span>/);
    expect(html).toMatch(/<blockquote[^>]*>q<\/blockquote>/);
    expect(html).toMatch(/<pre class="[^"]*" tabindex="0" data-lang="js"><code>let x;<\/code><\/pre>/);
    expect(html).toMatch(/<ol[^>]*><li>one<ul[^>]*><li>nested<\/li><\/ul><\/li><\/ol>/);
  });

  it('marks a mention of the viewer', () => {
    const body = markdownToBody('@ada', resolve);
    expect(render(body, 'u-ada')).toContain('data-self=""');
    expect(render(body, 'someone-else')).not.toContain('data-self');
  });

  it('shows a link whose URL is unsafe as plain text, even from a body that skipped parsing', () => {
    const forged: CommentBody = { v: 1, blocks: [p({ t: 'link', url: 'javascript:alert(1)', children: [text('click')] })] };
    const html = render(forged);
    expect(html).not.toContain('<a');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('click');
  });

  it('renders the deleted body as nothing', () => {
    expect(render({ v: 1, blocks: [] })).toMatch(/^<div class="[^"]*"><\/div>$/);
  });
});

/** Classic payloads. Each goes markdown → parseCommentBody → render, and must come out inert. */
const XSS_PAYLOADS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>',
  '<img src=x onerror=alert(1)>',
  '<img src="javascript:alert(1)">',
  '<svg onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<iframe src="javascript:alert(1)">',
  '"><script>alert(1)</script>',
  "'><img src=x onerror=alert(1)>",
  '<body onload=alert(1)>',
  '<a href="javascript:alert(1)">x</a>',
  '<div style="background:url(javascript:alert(1))">',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<details open ontoggle=alert(1)>',
  '<input autofocus onfocus=alert(1)>',
  '<object data="javascript:alert(1)">',
  '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
  '[x](javascript:alert(1))',
  '[x](JaVaScRiPt:alert(1))',
  '[x]( javascript:alert(1))',
  '[x](<javascript:alert(1)>)',
  '[x](java\tscript:alert(1))',
  '[x](&#106;avascript:alert(1))',
  '[x](\\u006aavascript:alert(1))',
  '[x](jav&#x09;ascript:alert(1))',
  '[x](data:text/html,<script>alert(1)</script>)',
  '[x](vbscript:msgbox(1))',
  '[x](//evil.example/x)',
  '[x](https://ok.example/"onmouseover="alert(1))',
  '[<img src=x onerror=alert(1)>](https://ok.example)',
  '[x](https://ok.example "onclick=alert(1)")',
  '<javascript:alert(1)>',
  '<data:text/html,<script>alert(1)</script>>',
  'https://ok.example/"><script>alert(1)</script>',
  'javascript:alert(1)',
  '![x](javascript:alert(1))',
  '![x](https://ok.example/x.png" onerror="alert(1))',
  '`<script>alert(1)</script>`',
  '```html\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n```',
  '> <iframe src=javascript:alert(1)>',
  '- <svg/onload=alert(1)>\n  - [y](javascript:alert(1))',
  '**<script>alert(1)</script>**',
  '@<img src=x onerror=alert(1)>',
  '\\<script\\>alert(1)\\</script\\>',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '%3Cscript%3Ealert(1)%3C/script%3E [x](https://ok.example/%22%3E%3Cscript%3E)',
];

const SAFE_ELEMENTS = ['div', 'p', 'br', 'strong', 'em', 's', 'code', 'pre', 'a', 'span', 'blockquote', 'ul', 'ol', 'li'];
const SAFE_ATTRIBUTES = ['class', 'href', 'target', 'rel', 'tabindex', 'data-lang', 'data-kind', 'data-self', 'title'];

/** The start tags in React's static markup (it always double-quotes and escapes attribute values). */
function elementsIn(html: string): Array<{ name: string; attributes: Array<[string, string]> }> {
  return [...html.matchAll(/<([a-zA-Z][\w-]*)((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*\/?>/g)].map((match) => ({
    name: match[1].toLowerCase(),
    attributes: [...match[2].matchAll(/\s+([^\s=>]+)(?:="([^"]*)")?/g)].map((attr): [string, string] => [attr[1].toLowerCase(), attr[2] ?? '']),
  }));
}

function decodeEntities(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

describe('XSS battery: markdown → parseCommentBody → CommentBodyView', () => {
  it('has at least 30 payloads', () => {
    expect(XSS_PAYLOADS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(XSS_PAYLOADS.map((payload) => [payload]))('%j renders inert', (payload) => {
    const body = parseCommentBody(markdownToBody(`before\n\n${payload}\n\nafter`, resolve));
    const html = render(body);
    // React escapes text, so every literal "<" left in the output opens an element React made.
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<(?:iframe|img|svg|object|embed|math|style|input|body|details)\b/i);
    expect(html).not.toMatch(/href="\s*(?:javascript|data|vbscript):/i);
    for (const tag of elementsIn(html)) {
      expect(SAFE_ELEMENTS).toContain(tag.name);
      for (const [name, value] of tag.attributes) {
        expect(name).not.toMatch(/^on/i);
        expect(SAFE_ATTRIBUTES).toContain(name);
        // Every href is one a browser opens as http(s) or mailto.
        if (name === 'href') expect(new URL(decodeEntities(value)).protocol).toMatch(/^(https?|mailto):$/);
      }
    }
    // And the words a person wrote are still there, as text.
    expect(html).toContain('before');
    expect(html).toContain('after');
  });
});
