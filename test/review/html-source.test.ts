import { describe, expect, it } from 'vitest';
import {
  contentTextKey,
  elementAt,
  elementContaining,
  elementStartingAt,
  isImplied,
  mappedTextKey,
  parseStartTag,
  scanElements,
  sourceText,
  type SourceElement,
} from '../../lib/review/html-source';

/** `tag#ordinal` for each element, in document order. */
function names(html: string): string[] {
  return scanElements(html).map((element) => `${element.tag}#${element.ordinal}`);
}

/** The outer source of the `ordinal`-th `tag`. */
function outer(html: string, tag: string, ordinal: number): string {
  const element = elementAt(scanElements(html), tag, ordinal);
  if (!element) throw new Error(`no ${tag}#${ordinal}`);
  return html.slice(element.start, element.end);
}

describe('scanElements', () => {
  it('lists elements in document order with per-tag ordinals and exact source ranges', () => {
    const html = '<div id="a"><p>one</p><p>two <b>bold</b></p></div><p>three</p>';
    expect(names(html)).toEqual(['div#0', 'p#0', 'p#1', 'b#0', 'p#2']);
    expect(outer(html, 'div', 0)).toBe('<div id="a"><p>one</p><p>two <b>bold</b></p></div>');
    expect(outer(html, 'p', 1)).toBe('<p>two <b>bold</b></p>');
    const p = elementAt(scanElements(html), 'p', 2) as SourceElement;
    expect(html.slice(p.start, p.startTagEnd)).toBe('<p>');
  });

  it('lower-cases tag names', () => {
    expect(names('<DIV><Span>x</SPAN></div>')).toEqual(['div#0', 'span#0']);
    expect(outer('<DIV><Span>x</SPAN></div>', 'span', 0)).toBe('<Span>x</SPAN>');
  });

  it('skips comments, doctype, processing instructions and CDATA outside svg', () => {
    const html = '<!DOCTYPE html><!-- <p>not</p> --><?xml <p> ?><![CDATA[ x ]]><p>yes</p><!--><p>also</p><!--->';
    expect(names(html)).toEqual(['p#0', 'p#1']);
    expect(names('<!-- a -- b --!><p>after</p>')).toEqual(['p#0']);
    expect(names('<!-- never closed <p>x</p>')).toEqual([]);
  });

  it('reads CDATA inside svg as text', () => {
    expect(names('<svg><style><![CDATA[ <rect> ]]></style><rect/></svg>')).toEqual(['svg#0', 'style#0', 'rect#0']);
  });

  it('treats raw-text elements as text up to their own end tag', () => {
    const html =
      '<script>if (a < b) document.write("<p>x</p>")</script>' +
      '<style>p > a { color: red } </style>' +
      '<textarea><p>typed</p></textarea><title><b>t</b></title>' +
      '<noscript><p>no</p></noscript><iframe><p>f</p></iframe><xmp><p>x</p></xmp>' +
      '<SCRIPT>"</scriptx>"</SCRIPT ><p>real</p>';
    expect(names(html)).toEqual(['script#0', 'style#0', 'textarea#0', 'title#0', 'noscript#0', 'iframe#0', 'xmp#0', 'script#1', 'p#0']);
    expect(outer(html, 'script', 1)).toBe('<SCRIPT>"</scriptx>"</SCRIPT >');
  });

  it('takes plaintext to the end of the page', () => {
    expect(names('<p>a</p><plaintext><p>b</p></div>')).toEqual(['p#0', 'plaintext#0']);
  });

  it('is not confused by < and > inside attribute values', () => {
    const html = `<a title="1 > 0" data-x='<p>' href=/x?a>b>link</a><p data-q="</p>">q</p>`;
    expect(names(html)).toEqual(['a#0', 'p#0']);
    expect(outer(html, 'a', 0)).toBe(`<a title="1 > 0" data-x='<p>' href=/x?a>b>link</a>`);
    expect(outer(html, 'p', 0)).toBe('<p data-q="</p>">q</p>');
  });

  it('drops a start tag the page ends inside of, like the browser', () => {
    expect(names('<p>a</p><div class="unfinished')).toEqual(['p#0']);
    expect(names('<p>a</p><div')).toEqual(['p#0']);
  });

  it('counts a template but not the elements in its content', () => {
    const html = '<p>0</p><template><p>in</p><div><template><p>deeper</p></template></div></template><p>1</p>';
    expect(names(html)).toEqual(['p#0', 'template#0', 'p#1']);
    expect(outer(html, 'template', 0)).toBe('<template><p>in</p><div><template><p>deeper</p></template></div></template>');
  });

  it('ends void and self-closed foreign elements at their start tag, but not an HTML <div/>', () => {
    const html = '<p>a<br>b<img src="x.png"/><input>c</p><svg><path d="M0"/><g><circle/></g></svg><div/>d</div>';
    expect(names(html)).toEqual(['p#0', 'br#0', 'img#0', 'input#0', 'svg#0', 'path#0', 'g#0', 'circle#0', 'div#0']);
    expect(outer(html, 'img', 0)).toBe('<img src="x.png"/>');
    expect(outer(html, 'path', 0)).toBe('<path d="M0"/>');
    expect(outer(html, 'g', 0)).toBe('<g><circle/></g>');
    // The browser ignores "/>" on HTML elements: the div holds "d".
    expect(outer(html, 'div', 0)).toBe('<div/>d</div>');
  });

  it('applies the implied end tags of p, li, dt, dd, option, headings and table parts', () => {
    const html = '<p>one<p>two<div>block</div><ul><li>a<li>b</ul><dl><dt>t<dd>d</dl><select><option>x<option>y</select><h1>h<h2>i</h2>';
    expect(outer(html, 'p', 0)).toBe('<p>one');
    expect(outer(html, 'p', 1)).toBe('<p>two');
    expect(outer(html, 'li', 0)).toBe('<li>a');
    expect(outer(html, 'li', 1)).toBe('<li>b');
    expect(outer(html, 'dt', 0)).toBe('<dt>t');
    expect(outer(html, 'dd', 0)).toBe('<dd>d');
    expect(outer(html, 'option', 0)).toBe('<option>x');
    expect(outer(html, 'h1', 0)).toBe('<h1>h');
    const table = '<table><tr><td>a<td>b<tr><th>c</table>';
    expect(outer(table, 'td', 0)).toBe('<td>a');
    expect(outer(table, 'tr', 0)).toBe('<tr><td>a<td>b');
    expect(outer(table, 'th', 0)).toBe('<th>c');
  });

  it('closes unclosed children when their parent closes, and everything at the end of the page', () => {
    const html = '<div><span>a<b>b</div><section><p>x';
    expect(outer(html, 'span', 0)).toBe('<span>a<b>b');
    expect(outer(html, 'b', 0)).toBe('<b>b');
    expect(outer(html, 'div', 0)).toBe('<div><span>a<b>b</div>');
    expect(outer(html, 'section', 0)).toBe('<section><p>x');
    expect(outer(html, 'p', 0)).toBe('<p>x');
  });

  it('ignores end tags that close nothing open in scope', () => {
    const html = '<div><p>a</span></div></div><p>b</p>';
    expect(names(html)).toEqual(['div#0', 'p#0', 'p#1']);
    expect(outer(html, 'div', 0)).toBe('<div><p>a</span></div>');
    // A </div> inside a table cell cannot close a div outside the table.
    const table = '<div><table><tr><td>x</div>y</td></tr></table></div>';
    expect(outer(table, 'div', 0)).toBe(table);
  });

  it('lists the elements the browser makes without a start tag, so ordinals still agree', () => {
    // <table><tr> gets a tbody; a stray </p> makes an empty p; </br> is a br.
    const html = '<table><tr><td>a</td></tr></table><p><div>x</div></p><p>y</br></p>';
    expect(names(html)).toEqual(['table#0', 'tbody#0', 'tr#0', 'td#0', 'p#0', 'div#0', 'p#1', 'p#2', 'br#0']);
    const elements = scanElements(html);
    expect(elements.filter(isImplied).map((element) => element.tag)).toEqual(['tbody', 'p', 'br']);
    // Picking p#2 finds the real one: implied elements never start at an offset.
    expect(html.slice((elementAt(elements, 'p', 2) as SourceElement).start).startsWith('<p>y')).toBe(true);
    expect(elementStartingAt(elements, html.indexOf('<tr>'))?.tag).toBe('tr');
  });

  it('ignores table parts outside a table and a form inside a form', () => {
    expect(names('<td>x</td><tr><form><form><input></form>')).toEqual(['form#0', 'input#0']);
  });

  it('counts html, head and body only once, and only when the source has them', () => {
    expect(names('<p>x</p>')).toEqual(['p#0']);
    expect(names('<html><head></head><body><body class="again"><p>x</p></body></html>')).toEqual(['html#0', 'head#0', 'body#0', 'p#0']);
  });

  it('leaves svg and math content at an HTML breakout tag', () => {
    expect(outer('<svg><g><p>text</p></svg>', 'g', 0)).toBe('<g>');
    expect(names('<math><mi><b>x</b></mi></math>')).toEqual(['math#0', 'mi#0', 'b#0']);
  });

  it('links each element to its parent', () => {
    const elements = scanElements('<ul><li><a>x</a></li></ul><p></p>');
    const parents = elements.map((element) => (element.parent >= 0 ? elements[element.parent].tag : null));
    expect(parents).toEqual([null, 'ul', 'li', null]);
  });
});

describe('element lookups', () => {
  const html = '<section><h2>Title</h2><p>Some <b>bold</b> text</p></section>';
  const elements = scanElements(html);

  it('finds an element by where its start tag begins', () => {
    expect(elementStartingAt(elements, html.indexOf('<p>'))?.tag).toBe('p');
    expect(elementStartingAt(elements, html.indexOf('<p>') + 1)).toBeNull();
  });

  it('finds the innermost element holding a range, optionally of one tag', () => {
    const bold = html.indexOf('bold');
    expect(elementContaining(elements, bold, bold + 4)?.tag).toBe('b');
    expect(elementContaining(elements, bold, bold + 4, 'p')?.tag).toBe('p');
    const some = html.indexOf('Some');
    expect(elementContaining(elements, some, html.indexOf(' text') + 5)?.tag).toBe('p');
    expect(elementContaining(elements, html.indexOf('Title'), html.indexOf('Some'))?.tag).toBe('section');
    expect(elementContaining(elements, 0, 3)).toBeNull();
  });
});

describe('sourceText', () => {
  it('strips tags and comments, drops script and style, decodes character references and collapses whitespace', () => {
    const html = `
      <h1>Fish &amp; Chips</h1><!-- hidden -->
      <script>var x = "<p>no</p>";</script><style>p { color: red }</style>
      <p>5 &lt; 6 &gt; 4 &quot;q&quot; &#39;s&#39; a&nbsp;b &#169; &#x1F600; &mdash; &amp</p>`;
    expect(sourceText(html)).toBe(`Fish & Chips 5 < 6 > 4 "q" 's' a b © 😀 — &`);
  });

  it('keeps an ampersand that is not a reference', () => {
    expect(sourceText('<p>R&D &unknown; &#; a&b</p>')).toBe('R&D &unknown; &#; a&b');
  });

  it('does not show template content', () => {
    expect(sourceText('<p>a</p><template><p>b</p></template><p>c</p>')).toBe('ac');
  });
});

describe('text with source offsets', () => {
  it('reads text like textContent: raw text included, whitespace left out', () => {
    expect(contentTextKey('<p>Hi <script>x()</script> there &amp; you</p>')).toBe('Hix()there&you');
  });

  it('maps each text unit back to the source it was read from', () => {
    const html = '<p>a &amp; <b>b</b></p>';
    const mapped = mappedTextKey(html, 0, html.length);
    expect(mapped.key).toBe('a&b');
    expect(mapped.starts.map((start, k) => html.slice(start, mapped.ends[k]))).toEqual(['a', '&amp;', 'b']);
  });
});

describe('parseStartTag', () => {
  it('reads the tag name and attributes, quoted or not, first occurrence winning', () => {
    const tag = parseStartTag(`<DIV id="a" data-k='x > y' hidden class=c1 id="b">`, 0);
    expect(tag?.tag).toBe('div');
    expect(Object.fromEntries(tag?.attributes ?? [])).toEqual({ id: 'a', 'data-k': 'x > y', hidden: '', class: 'c1' });
    expect(parseStartTag('</div>', 0)).toBeNull();
  });
});

describe('scan speed', () => {
  it('scans a 16 MiB page in one linear pass', () => {
    const section =
      '<section class="card" data-x=\'a>b\'><h2>Heading &amp; more</h2><p>Lorem ipsum <b>dolor</b> sit <a href="/x?a=1&b=2">amet</a>.</p>' +
      '<ul><li>One<li>Two</li></ul><!-- note --><img src="x.png" alt="pic"><script>if (a < b) x = "</p>";</script></section>\n';
    const html = section.repeat(Math.ceil((16 * 1024 * 1024) / section.length));
    const started = performance.now();
    const elements = scanElements(html);
    const elapsed = performance.now() - started;
    expect(elements.length).toBe(10 * Math.ceil((16 * 1024 * 1024) / section.length));
    // About 0.3 s of CPU on an idle 2-core machine; the bound only catches a
    // quadratic regression (which would take minutes) on a busy CI machine.
    expect(elapsed).toBeLessThan(10_000);
  });

  it('reads the text of a big page without character references in one pass', () => {
    // A search for the next "&" that ran to the end of the page once per text run made this quadratic.
    const html = '<p>Plain words and nothing to decode, line after line.</p>\n'.repeat(80_000);
    const started = performance.now();
    expect(sourceText(html).length).toBeGreaterThan(3_000_000);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
