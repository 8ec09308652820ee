// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { DIRTY_HASH } from '../../lib/frame/hash';
import { parseSource } from '../../lib/frame/parse';
import { managed, newRenderContext, patchChildRange, patchChildren, type RenderContext } from '../../lib/frame/patch';
import { newVnode, type VNode } from '../../lib/frame/vnode';

/**
 * The morph, on a real DOM (happy-dom): the <body> of each page source is
 * patched into a live container the way a render patches the frame's body.
 */

let container: HTMLElement;
let ctx: RenderContext;

const bodyOf = (html: string): VNode => {
  const root = parseSource(`<!doctype html><html><head></head><body>${html}</body></html>`);
  return (root.children as VNode[])[1];
};

/** The first render: an empty body vnode bound to the container, patched to the page. */
const mount = (html: string): VNode => {
  const empty = newVnode(1, null);
  empty.name = 'body';
  empty.attrs = [];
  empty.children = [];
  empty.live = container;
  const next = bodyOf(html);
  next.live = container;
  ctx = newRenderContext();
  patchChildren(empty, next, container, ctx);
  return next;
};

const update = (previous: VNode, html: string): VNode => {
  const next = bodyOf(html);
  next.live = container;
  ctx = newRenderContext();
  patchChildren(previous, next, container, ctx);
  return next;
};

const $ = (selector: string): Element => {
  const el = container.querySelector(selector);
  if (el === null) throw new Error(`no ${selector}`);
  return el;
};

beforeEach(() => {
  document.body.innerHTML = '';
  container = document.createElement('div');
  document.body.appendChild(container);
});

describe('the morph', () => {
  it('builds the page from source, and marks what it built as its own', () => {
    mount('<h1 id="t">Title</h1><p class="a">One <b>two</b></p><!-- note -->');
    expect(container.innerHTML).toBe('<h1 id="t">Title</h1><p class="a">One <b>two</b></p><!-- note -->');
    expect(managed.has($('#t'))).toBe(true);
    expect(managed.has($('b'))).toBe(true);
  });

  it('edits a paragraph in place and leaves its unchanged siblings untouched', () => {
    const tree = mount('<p id="a">alpha</p><p>beta gamma delta</p><p id="c">gamma</p>');
    const [a, b, c] = Array.from(container.children);
    const bText = b.firstChild;
    update(tree, '<p id="a">alpha</p><p>beta gamma delta, edited</p><p id="c">gamma</p>');
    const after = Array.from(container.children);
    expect(after[0]).toBe(a);
    expect(after[1]).toBe(b);
    expect(after[1].firstChild).toBe(bText);
    expect(after[1].textContent).toBe('beta gamma delta, edited');
    expect(after[2]).toBe(c);
  });

  it('keys siblings by content: the longest run in order keeps its nodes, the rest are rebuilt from source', () => {
    let tree = mount('<ul><li id="a">A</li><li id="b">B</li><li id="c">C</li><li id="d">D</li></ul>');
    const before = new Map(Array.from(container.querySelectorAll('li')).map((li) => [li.id, li]));
    tree = update(tree, '<ul><li id="d">D</li><li id="b">B</li><li id="a">A</li><li id="c">C</li></ul>');
    const after = Array.from(container.querySelectorAll('li'));
    expect(after.map((li) => `${li.id}:${li.textContent}`)).toEqual(['d:D', 'b:B', 'a:A', 'c:C']);
    // b…c (or a…c) is the longest common subsequence: those two stay; d and the other are new nodes.
    const kept = after.filter((li) => li === before.get(li.id)).map((li) => li.id);
    expect(kept).toHaveLength(2);
    expect(kept[1]).toBe('c');
    expect(tree.children).toHaveLength(1);
  });

  it('keeps every node when the same items come back after an insertion', () => {
    const tree = mount(Array.from({ length: 50 }, (_, i) => `<p>item ${i}</p>`).join(''));
    const before = Array.from(container.children);
    update(tree, `<p>new</p>${Array.from({ length: 50 }, (_, i) => `<p>item ${i}</p>`).join('')}`);
    const after = Array.from(container.children);
    expect(after).toHaveLength(51);
    expect(after.slice(1)).toEqual(before);
    for (let i = 0; i < 50; i++) expect(after[i + 1]).toBe(before[i]);
  });

  it('pairs an edited paragraph with its old self, not with a new one inserted before it', () => {
    const tree = mount('<p>The quarterly numbers are in and they look fine</p>');
    const old = $('p');
    update(tree, '<p>A new opening paragraph</p><p>The quarterly numbers are in and they look great</p>');
    const ps = container.querySelectorAll('p');
    expect(ps[1]).toBe(old);
    expect(ps[1].textContent).toBe('The quarterly numbers are in and they look great');
    expect(ps[0]).not.toBe(old);
  });

  it('merges attributes: the source wins for what it names and changes; what only a script set is left alone', () => {
    let tree = mount('<div id="x" class="a" title="t" data-gone="1">x</div>');
    const el = $('#x');
    el.setAttribute('data-script', 'mine'); // a script's own attribute
    el.setAttribute('title', 'script title'); // a script changed one the source names
    tree = update(tree, '<div id="x" class="b" title="t">x</div>');
    expect(el.getAttribute('class')).toBe('b'); // changed in the source
    expect(el.hasAttribute('data-gone')).toBe(false); // removed from the source
    expect(el.getAttribute('data-script')).toBe('mine'); // never in the source
    expect(el.getAttribute('title')).toBe('script title'); // the source did not change it
    update(tree, '<div id="x" class="b" title="new">x</div>');
    expect(el.getAttribute('title')).toBe('new'); // now it did
    expect($('#x')).toBe(el);
  });

  it('leaves nodes the page’s scripts inserted alone', () => {
    const tree = mount('<div id="app"><p>server text</p></div>');
    const widget = document.createElement('canvas');
    $('#app').appendChild(widget);
    update(tree, '<div id="app"><p>server text, edited</p></div>');
    expect(widget.parentNode).toBe($('#app'));
    expect($('#app p').textContent).toBe('server text, edited');
  });

  it('queues new and changed inline scripts to run, in order, and never external or unchanged ones', () => {
    let tree = mount('<script>one()</script><p>x</p><script src="https://x.invalid/a.js"></script><script>two()</script>');
    expect(ctx.scripts.map((v) => v.text)).toEqual(['one()', 'two()']);
    tree = update(tree, '<script>one()</script><p>y</p><script src="https://x.invalid/a.js"></script><script>two(2)</script>');
    expect(ctx.scripts.map((v) => v.text)).toEqual(['two(2)']);
    expect(tree.children?.filter((v) => v.name === 'script')).toHaveLength(3);
  });

  it('never inserts what would act on insertion: base, meta refresh, resource hints, nested documents, noscript', () => {
    mount(
      '<base href="https://evil.invalid/"><meta http-equiv="Refresh" content="0;url=https://evil.invalid">' +
        '<link rel="Prefetch dns-prefetch" href="https://evil.invalid"><link rel="stylesheet" href="a.css">' +
        '<iframe srcdoc="x"></iframe><object data="x"></object><embed src="x"><noscript><p>no</p></noscript>' +
        '<script type="speculationrules">{}</script><p>kept</p>',
    );
    expect(container.querySelector('base, meta, link[rel~="prefetch"], iframe, object, embed, noscript, script')).toBeNull();
    expect(container.querySelector('link[rel="stylesheet"]')).not.toBeNull();
    expect($('p').textContent).toBe('kept');
  });

  it('replaces a changed script or template whole instead of morphing it', () => {
    const tree = mount('<template id="t"><b>1</b></template>');
    const t = $('#t');
    update(tree, '<template id="t"><b>2</b></template>');
    expect($('#t')).not.toBe(t);
    expect(($('#t') as HTMLTemplateElement).content.textContent).toBe('2');
  });
});

describe('patchChildRange (the seam for partial renders)', () => {
  /** The vnodes of a fragment: its parse, as children of a body. */
  const fragment = (html: string): VNode[] => bodyOf(html).children as VNode[];

  it('morphs a run of children into the replacement, splices the tree, and dirties parent and ancestors', () => {
    const root = mount('<main id="m"><p id="a">A</p><p id="b">B</p><p id="c">C</p></main>');
    const main = (root.children as VNode[])[0];
    const a = $('#a');
    const c = $('#c');
    const pc = newRenderContext();
    patchChildRange(main, 1, 2, fragment('<p id="b">B2</p><p id="b2">new</p><script>ran()</script>'), pc, [root]);
    expect($('#m').innerHTML).toBe('<p id="a">A</p><p id="b">B2</p><p id="b2">new</p><script>ran()</script><p id="c">C</p>');
    expect($('#a')).toBe(a);
    expect($('#c')).toBe(c);
    expect((main.children as VNode[]).map((v) => v.id || v.name)).toEqual(['a', 'b', 'b2', 'script', 'c']);
    expect(pc.scripts.map((v) => v.text)).toEqual(['ran()']);
    expect(main.hash).toBe(DIRTY_HASH);
    expect(root.hash).toBe(DIRTY_HASH);
    expect((main.children as VNode[])[0].hash).not.toBe(DIRTY_HASH);
  });

  it('makes a later full render morph a subtree it changed, rather than take it for unchanged', () => {
    const html = '<section id="s"><p>one</p></section><p>after</p>';
    const root = mount(html);
    const section = (root.children as VNode[])[0];
    patchChildRange(section, 0, 1, fragment('<p>two</p>'), newRenderContext(), [root]);
    expect($('#s').textContent).toBe('two');
    // The full source says "one" again: the section's old hash would have matched it exactly.
    update(root, html);
    expect($('#s').textContent).toBe('one');
  });

  it('inserts an empty range before the next sibling, or after the previous one when a script took the next away', () => {
    const root = mount('<div id="d"><p id="a">A</p><p id="c">C</p></div>');
    const div = (root.children as VNode[])[0];
    patchChildRange(div, 1, 1, fragment('<p id="b">B</p>'), newRenderContext(), [root]);
    expect(Array.from($('#d').children).map((e) => e.id)).toEqual(['a', 'b', 'c']);
    $('#c').remove();
    patchChildRange(div, 2, 2, fragment('<p id="b2">B2</p>'), newRenderContext(), [root]);
    expect(Array.from($('#d').children).map((e) => e.id)).toEqual(['a', 'b', 'b2']);
  });

  it('refuses a range outside the children, or a parent that is not a live element', () => {
    const root = mount('<div><p>A</p></div>');
    const div = (root.children as VNode[])[0];
    expect(() => patchChildRange(div, 1, 0, [], newRenderContext())).toThrow(RangeError);
    expect(() => patchChildRange(div, 0, 2, [], newRenderContext())).toThrow(RangeError);
    const text = (div.children as VNode[])[0].children?.[0] as VNode;
    expect(() => patchChildRange(text, 0, 0, [], newRenderContext())).toThrow(TypeError);
  });
});
