import type { Block, CommentBody, Inline, TextInline } from '../../lib/review/body';
import { REVIEW_PAGE_TAIL, reviewPageHead, ROLLBACK_STEP, ROLLBACK_TEXT } from './threads-seed';

/**
 * Pages and hostile input for the review story spec: a plan the agent
 * streams in, then rewrites around a pinned paragraph; and, for the XSS
 * battery, comment bodies, names, titles and page text written to run
 * something if any surface ever renders them as HTML. Every payload that
 * would run reports to the main page's `__xss` (directly, or through
 * `alert`, which the spec traps), so an execution cannot pass unnoticed.
 */

export const STORY_TITLE = 'Split the events table';

export { ROLLBACK_TEXT };

/** The incident timeline the agent adds above the rollback step: tall, so everything below it moves down a long way. */
const TIMELINE = `<h2>Timeline</h2>
<ol id="timeline">
${Array.from({ length: 14 }, (_, i) => `<li>09:${String(10 + i * 3).padStart(2, '0')}: step ${i + 1} of the cut-over rehearsal, as the agent logged it.</li>`).join('\n')}
</ol>
`;

/** What the agent has written when the reviewers arrive: the page up to the steps, still open. */
export const STORY_START = reviewPageHead('10k');
/** What the agent then streams, chunk by chunk: the rollback step, then the rest. STORY_START + these = `storyPage()`. */
export const STORY_STREAM = [ROLLBACK_STEP, REVIEW_PAGE_TAIL] as const;

export interface StoryOptions {
  /** The timeline above the rollback step. */
  withTimeline?: boolean;
  /** The rollback step itself (heading and the pinned paragraph). */
  withRollback?: boolean;
  batch?: string;
}

/** The whole page in one of the states the agent puts it in. */
export function storyPage({ withTimeline = false, withRollback = true, batch = '10k' }: StoryOptions = {}): string {
  return reviewPageHead(batch) + (withTimeline ? TIMELINE : '') + (withRollback ? ROLLBACK_STEP : '') + REVIEW_PAGE_TAIL;
}

// ---------------------------------------------------------------------------
// The XSS battery.

/** Ran where a payload lands: into the main page's trap. */
const RUN = (tag: string) => `top.__xss.push('${tag}')`;

/** A title, a display name and page text, each of which runs `RUN` if rendered as HTML. */
export const HOSTILE_TITLE = `Report <img src=x onerror=${RUN('title')}>`;
export const HOSTILE_NAME = `<img src=x onerror=${RUN('name')}>`;
/** The text of the page element a reviewer pins to (escaped in the page, so the page shows it as text). */
export const HOSTILE_QUOTE = `<img src=x onerror=${RUN('quote')}>`;
export const HOSTILE_REVIEW_SUMMARY = `<script>${RUN('summary')}</script><img src=x onerror=${RUN('summary')}> needs work`;
/** Typed into the composer by hand (`alert`, trapped: the composer's markdown shortcuts would make `__x__` bold). */
export const HOSTILE_TYPED = `<img src=x onerror=alert('typed')> and <script>alert('typed')</script>`;

export function hostilePage(): string {
  const escaped = HOSTILE_QUOTE.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<!doctype html>
<html>
<head><style>body{font:16px/1.6 system-ui,sans-serif;margin:0;padding:24px 44px;color:#1d2330}</style></head>
<body>
<h1>Hostile report</h1>
<p id="hostile">${escaped}</p>
<p>Everything else on this page is ordinary.</p>
</body>
</html>
`;
}

/**
 * Classic payloads as markdown comment text (the markdown battery of
 * test/review/markdown.test.ts, as a browser sees them): `$X` is what would
 * run, either `alert(n)` (trapped) or a push onto `top.__xss`.
 */
const MARKDOWN_TEMPLATES = [
  '<script>$X</script>',
  '<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>',
  '<img src=x onerror=$X>',
  '<img src="javascript:$X">',
  '<svg onload=$X>',
  '<svg><script>$X</script></svg>',
  '<iframe srcdoc="<script>$X</script>"></iframe>',
  '<iframe src="javascript:$X">',
  '"><script>$X</script>',
  "'><img src=x onerror=$X>",
  '<body onload=$X>',
  '<a href="javascript:$X">x</a>',
  '<div style="background:url(javascript:$X)">',
  '<math><mtext><table><mglyph><style><img src=x onerror=$X>',
  '<details open ontoggle=$X>',
  '<input autofocus onfocus=$X>',
  '<object data="javascript:$X">',
  '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
  '[x](javascript:$X)',
  '[x](JaVaScRiPt:$X)',
  '[x]( javascript:$X)',
  '[x](<javascript:$X>)',
  '[x](java\tscript:$X)',
  '[x](&#106;avascript:$X)',
  '[x](\\u006aavascript:$X)',
  '[x](jav&#x09;ascript:$X)',
  '[x](data:text/html,<script>$X</script>)',
  '[x](vbscript:msgbox(1))',
  '[x](//evil.example/x)',
  '[x](https://ok.example/"onmouseover="$X)',
  '[<img src=x onerror=$X>](https://ok.example)',
  '[x](https://ok.example "onclick=$X")',
  '<javascript:$X>',
  '<data:text/html,<script>$X</script>>',
  'https://ok.example/"><script>$X</script>',
  'javascript:$X',
  '![x](javascript:$X)',
  '![x](https://ok.example/x.png" onerror="$X)',
  '`<script>$X</script>`',
  '```html\n<script>$X</script>\n<img src=x onerror=$X>\n```',
  '> <iframe src=javascript:$X>',
  '- <svg/onload=$X>\n  - [y](javascript:$X)',
  '**<script>$X</script>**',
  '@<img src=x onerror=$X>',
  '\\<script\\>$X\\</script\\>',
  '<scr<script>ipt>$X</scr</script>ipt>',
  '%3Cscript%3E$X%3C/script%3E [x](https://ok.example/%22%3E%3Cscript%3E)',
];

/** Every payload, numbered: even ones call `alert`, odd ones push onto `top.__xss` directly. */
export const MARKDOWN_PAYLOADS: string[] = MARKDOWN_TEMPLATES.map((template, i) => template.replaceAll('$X', i % 2 === 0 ? `alert(${i})` : RUN(`md${i}`)));

/** A payload that markdown keeps as one paragraph of text, exactly as written: the spec looks for it on screen. */
export const VISIBLE_PAYLOAD = MARKDOWN_PAYLOADS[2];

const text = (value: string, f?: number): TextInline => (f === undefined ? { t: 'text', text: value } : { t: 'text', text: value, f });
const para = (...children: Inline[]): Block => ({ t: 'p', children });
const body = (...blocks: Block[]): CommentBody => ({ v: 1, blocks });

/** Structured bodies the server accepts: HTML everywhere a string goes, links that are https but full of markup. */
export function acceptedHostileBodies(mentionUserId: string): CommentBody[] {
  return [
    body(para(text(`<script>${RUN('s1')}</script>`), text(`<img src=x onerror=${RUN('s1')}>`, 1), text(`<svg onload=${RUN('s1')}>`, 2 | 8))),
    body(
      para(
        { t: 'link', url: `https://ok.example/"><img/src=x/onerror=${RUN('s2')}>`, children: [text(`<svg onload=${RUN('s2')}>`)] },
        { t: 'br' },
        { t: 'link', url: `mailto:x@ok.example?subject="><script>${RUN('s2')}</script>`, children: [] },
      ),
    ),
    body({ t: 'code', lang: 'html', text: `<script>${RUN('s3')}</script>\n<img src=x onerror=${RUN('s3')}>` }, { t: 'quote', children: [text(`<iframe srcdoc="<script>${RUN('s3')}</script>">`)] }),
    body({
      t: 'list',
      ordered: false,
      items: [{ children: [text(`<details open ontoggle=${RUN('s4')}>`)], list: { t: 'list', ordered: true, items: [{ children: [text(`<input autofocus onfocus=${RUN('s4')}>`, 4)] }] } }],
    }),
    // The server re-stamps a mention's name with the person's real one.
    body(para({ t: 'mention', kind: 'user', id: mentionUserId, name: `<img src=x onerror=${RUN('s5')}>` }, text(' please look'))),
  ];
}

/** Structured bodies the server must refuse (400): links a browser would run, and kinds of node that do not exist. */
export const REFUSED_HOSTILE_BODIES: unknown[] = [
  body(para({ t: 'link', url: `javascript:${RUN('r1')}`, children: [text('x')] })),
  body(para({ t: 'link', url: `JaVaScRiPt:${RUN('r2')}`, children: [text('x')] })),
  body(para({ t: 'link', url: ` javascript:${RUN('r3')}`, children: [text('x')] })),
  body(para({ t: 'link', url: `data:text/html,<script>${RUN('r4')}</script>`, children: [text('x')] })),
  body(para({ t: 'link', url: 'vbscript:msgbox(1)', children: [text('x')] })),
  { v: 1, blocks: [{ t: 'p', children: [{ t: 'html', html: `<img src=x onerror=${RUN('r5')}>` }] }] },
  { v: 1, blocks: [{ t: 'html', html: `<script>${RUN('r6')}</script>` }] },
  body({ t: 'code', lang: '<script>', text: 'x' }),
];
