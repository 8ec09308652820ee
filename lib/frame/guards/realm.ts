/*
 * The realm guard: no peer connection, no nested document.
 *
 * WebRTC's ICE traffic (STUN/TURN, UDP or TCP) ignores CSP, and Chromium
 * honours no `webrtc` CSP directive (checked against Debian's Chromium 156:
 * `webrtc 'block'` changes nothing), so any realm that holds
 * RTCPeerConnection can reach any host. This realm loses it below. A nested
 * browsing context (<iframe srcdoc>, an about:blank or javascript: frame,
 * <object>, at any depth) would bring a fresh realm with its own, in a new
 * opaque origin we cannot reach into, so its globals cannot be patched from
 * here; CSP frame-src / object-src 'none' stop URLs, not those. So no
 * nested browsing context may live long enough to run a script.
 *
 * One MutationObserver watches every tree of the document: the document
 * and every shadow root. It removes each frame-like element at the
 * microtask checkpoint right after the script that inserted it; a child
 * document commits a task later at the earliest, and until then the child
 * holds only its initial about:blank, which has no script and is
 * cross-origin to us. That holds only while every tree is observed, so
 * every shadow root is made where the guard sees it: attachShadow is
 * wrapped (and its roots are not clonable: a clone's root would be made
 * out of sight), and every parser that would build shadow roots natively
 * (declarative shadow DOM: the page's own parser behind Document.prototype
 * open/write, setHTMLUnsafe, parseHTMLUnsafe, setHTML, parseHTML, XSLT)
 * is replaced by one that builds them through attachShadow, or builds none.
 * The replacements sit on the prototypes and constructors, so calling a
 * method through the prototype (`Document.prototype.write.call(document)`)
 * meets them too. No same-origin realm exists from which a page could take
 * an unpatched copy: every other realm would be a nested one.
 */
import { reportError } from '../channel';
import {
  DOMParserCtor,
  DocumentCtor,
  ElementP,
  HTML_NS,
  MutationObserverCtor,
  ShadowRootP,
  appendChild,
  apply,
  attachShadowNative,
  collectionItem,
  collectionLength,
  doc,
  firstChildOf,
  getAttribute,
  getElementsByTagName,
  hasAttribute,
  importNode,
  localNameOf,
  namespaceOf,
  nextSiblingOf,
  nodeListItem,
  nodeListLength,
  nodeType,
  observeMutations,
  parentOf,
  parseFromString,
  recordAdded,
  removeChild,
  replaceMethod,
  setElementInnerHTML,
  setShadowInnerHTML,
  templateContent,
  win,
} from '../intrinsics';

// REALM_GUARD is false only in the e2e harness's unguarded control, which
// rewrites this line in its own copy of the bundle to show that a hostile
// payload does reach the network without this module; the production
// sandbox server serves the bundle as it is built, and page code cannot
// change a constant inside it.
const REALM_GUARD = true;

const FRAME_TAGS = ['iframe', 'frame', 'object', 'embed', 'fencedframe', 'portal'];
/** The interfaces of FRAME_TAGS (fencedframe and portal expose no window, so the scan below would not find them). */
const KNOWN_CONTAINERS = ['HTMLIFrameElement', 'HTMLFrameElement', 'HTMLObjectElement', 'HTMLEmbedElement', 'HTMLFencedFrameElement', 'HTMLPortalElement'];
/** What an element that hosts a nested document exposes. */
const BROWSING_CONTEXT_MEMBERS = ['contentWindow', 'contentDocument', 'getSVGDocument'];

/**
 * Element interfaces that can hold a nested document (they expose its
 * window or document) and are not among the tags the guard removes by
 * name: a container a later browser adds. Denied by construction: when
 * there is any, the guard also removes every element that is an instance
 * of one, wherever it is inserted (a walk of each inserted subtree, paid
 * only then). Debian's Chromium 156 has none.
 */
export const unknownContainers = (global: object): (abstract new () => Element)[] => {
  const NodeCtor = (global as { Node?: { prototype: object } }).Node;
  const found: (abstract new () => Element)[] = [];
  if (NodeCtor === undefined) return found;
  const names = Object.getOwnPropertyNames(global);
  for (let g = 0; g < names.length; g++) {
    if (KNOWN_CONTAINERS.indexOf(names[g]) >= 0) continue;
    const desc = Object.getOwnPropertyDescriptor(global, names[g]);
    const ctor = desc === undefined ? undefined : (desc.value as unknown);
    if (typeof ctor !== 'function') continue;
    const proto = (ctor as { prototype?: unknown }).prototype;
    if (proto === null || typeof proto !== 'object' || !Object.prototype.isPrototypeOf.call(NodeCtor.prototype, proto)) continue;
    for (let m = 0; m < BROWSING_CONTEXT_MEMBERS.length; m++) {
      if (BROWSING_CONTEXT_MEMBERS[m] in proto) {
        found.push(ctor as abstract new () => Element);
        break;
      }
    }
  }
  return found;
};
const extraContainers = unknownContainers(win);
const isUnknownContainer = (el: Element): boolean => {
  for (let i = 0; i < extraContainers.length; i++) if (el instanceof extraContainers[i]) return true;
  return false;
};

/**
 * An element that would host a nested document: the one test both the
 * observer (for whatever a script inserts) and the parse (for what a render
 * inserts: parse.ts leaves these out) apply.
 */
export const isFrameElement = (el: Element): boolean =>
  (FRAME_TAGS.indexOf(localNameOf(el)) >= 0 && namespaceOf(el) === HTML_NS) || (extraContainers.length > 0 && isUnknownContainer(el));
const removeNestedFrame = (el: Element): void => {
  const parent = parentOf(el);
  if (parent !== null) removeChild(parent, el);
  reportError(`Removed a nested <${localNameOf(el)}>: artifacts cannot embed other documents.`);
};
const removeNestedFrames = (node: Node): void => {
  if (nodeType(node) !== 1) return;
  const element = node as Element;
  if (isFrameElement(element)) {
    removeNestedFrame(element);
    return;
  }
  const found: Element[] = [];
  for (let t = 0; t < FRAME_TAGS.length; t++) {
    const live = getElementsByTagName(element, FRAME_TAGS[t]);
    for (let i = 0; i < collectionLength(live); i++) found.push(collectionItem(live, i) as Element);
  }
  if (extraContainers.length > 0) {
    const all = getElementsByTagName(element, '*');
    for (let i = 0; i < collectionLength(all); i++) {
      const el = collectionItem(all, i) as Element;
      if (isUnknownContainer(el)) found.push(el);
    }
  }
  for (let i = 0; i < found.length; i++) if (isFrameElement(found[i])) removeNestedFrame(found[i]);
};
const frameGuard = new MutationObserverCtor((records) => {
  for (let r = 0; r < records.length; r++) {
    const added = recordAdded(records[r]);
    for (let i = 0; i < nodeListLength(added); i++) removeNestedFrames(nodeListItem(added, i) as Node);
  }
});
/** Puts a tree (the document, a shadow root) under the frame guard's observer. */
export const guardTree = (root: Node): void => {
  if (REALM_GUARD) observeMutations(frameGuard, root, { childList: true, subtree: true });
};

/** attachShadow as the guard wants it: never clonable, always observed. */
export const attachShadowGuarded = (host: Element, init: ShadowRootInit): ShadowRoot => {
  const options =
    init !== null && typeof init === 'object' ? (Object.create(init, { clonable: { value: false } }) as ShadowRootInit) : init;
  const root = attachShadowNative(host, options);
  guardTree(root);
  return root;
};

// Declarative shadow DOM, built where the guard sees it. The parsers used
// by the frame (innerHTML, DOMParser, createContextualFragment) leave
// <template shadowrootmode> as a plain template; this turns each one into
// a shadow root of its parent through attachShadowGuarded, as the native
// parser would have (a host that already has a root keeps the template as
// a template, as there).
export const declarativeMode = (el: Element): ShadowRootMode | null => {
  if (localNameOf(el) !== 'template' || namespaceOf(el) !== HTML_NS) return null;
  const mode = (getAttribute(el, 'shadowrootmode') || '').toLowerCase();
  return mode === 'open' || mode === 'closed' ? mode : null;
};
/** Hosts whose root a declarative template made: a render that changes the template refills it. */
const declarativeRoots = new WeakMap<Node, ShadowRoot>();
/**
 * Makes `template`'s shadow root on its parent. With `keep`, the template
 * stays in place and its content is copied (renders track the template as
 * a source node); otherwise its content moves in and it is removed.
 */
export const declareShadowRoot = (template: HTMLTemplateElement, mode: ShadowRootMode, keep: boolean): void => {
  const host = parentOf(template);
  if (host === null || nodeType(host) !== 1) return;
  let root = keep ? declarativeRoots.get(host) : undefined;
  if (root !== undefined) {
    for (let c = firstChildOf(root); c !== null; c = firstChildOf(root)) removeChild(root, c);
  } else {
    try {
      root = attachShadowGuarded(host as Element, {
        mode,
        delegatesFocus: hasAttribute(template, 'shadowrootdelegatesfocus'),
        serializable: hasAttribute(template, 'shadowrootserializable'),
      });
    } catch {
      return; // not a valid host, or it has a root already
    }
    declarativeRoots.set(host, root);
  }
  const content = templateContent(template);
  appendChild(root, keep ? importNode(doc, content, true) : content);
  materializeShadowRoots(root);
  if (!keep) removeChild(host, template);
};
/** Every declarative template under `node` (outside template contents), in tree order, becomes a shadow root. */
export const materializeShadowRoots = (node: Node): void => {
  const templates: HTMLTemplateElement[] = [];
  const walk = (n: Node): void => {
    for (let c = firstChildOf(n); c !== null; c = nextSiblingOf(c)) {
      if (nodeType(c) !== 1) continue;
      if (declarativeMode(c as Element) !== null) templates.push(c as HTMLTemplateElement);
      walk(c);
    }
  };
  walk(node);
  for (let i = 0; i < templates.length; i++) declareShadowRoot(templates[i], declarativeMode(templates[i]) as ShadowRootMode, false);
};

/** Takes RTC* and XSLT away, observes the document, and routes every shadow-root-making parser through the guard. */
export const installRealmGuard = (): void => {
  if (REALM_GUARD) {
    // Every RTC* interface, not a list of the ones known to open sockets.
    const names = Object.getOwnPropertyNames(win);
    for (let i = 0; i < names.length; i++) {
      if (!/^(?:webkit)?RTC/.test(names[i])) continue;
      try {
        delete (win as unknown as Record<string, unknown>)[names[i]];
      } catch {
        // Non-configurable in some engine: nothing more to do from script.
      }
    }
    // XSLT's HTML output parser builds declarative shadow roots we cannot
    // see, and Chromium is retiring XSLT from the web platform.
    try {
      delete (win as unknown as Record<string, unknown>).XSLTProcessor;
    } catch {
      // As above.
    }
  }

  guardTree(doc);

  if (REALM_GUARD) {
    replaceMethod(ElementP, 'attachShadow', () =>
      function attachShadow(this: Element, init: ShadowRootInit) {
        return attachShadowGuarded(this, init);
      });

    const isTemplate = (el: Element): el is HTMLTemplateElement => localNameOf(el) === 'template' && namespaceOf(el) === HTML_NS;
    // The sanitizer option of setHTMLUnsafe is not applied: the page could
    // run anything it parses anyway.
    replaceMethod(ElementP, 'setHTMLUnsafe', () =>
      function setHTMLUnsafe(this: Element, html: unknown) {
        setElementInnerHTML(this, String(html));
        materializeShadowRoots(isTemplate(this) ? templateContent(this) : this);
      });
    replaceMethod(ShadowRootP, 'setHTMLUnsafe', () =>
      function setHTMLUnsafe(this: ShadowRoot, html: unknown) {
        setShadowInnerHTML(this, String(html));
        materializeShadowRoots(this);
      });
    replaceMethod(DocumentCtor, 'parseHTMLUnsafe', () =>
      function parseHTMLUnsafe(html: unknown) {
        const parsed = parseFromString(new DOMParserCtor(), String(html), 'text/html');
        materializeShadowRoots(parsed);
        return parsed;
      });

    // The Sanitizer API parsers (setHTML, parseHTML) build declarative roots
    // natively, and a sanitized root can still be reached later (an open
    // root through .shadowRoot, any root from inside by a custom element).
    // They keep their sanitizer but lose declarative shadow DOM: an
    // attribute name cannot be spelt with character references, so every
    // `shadowrootmode` attribute contains these letters literally, and
    // renaming them leaves an ordinary template (text that mentions the word
    // shows the new name).
    const DECLARATIVE = /shadowrootmode/gi;
    const withoutDeclarative = (html: unknown): string => String(html).replace(DECLARATIVE, 'data-shadowrootmode');
    const sanitizing = (original: (...args: unknown[]) => unknown) =>
      function setHTML(this: unknown, html: unknown, options?: unknown) {
        return apply(original, this, arguments.length > 1 ? [withoutDeclarative(html), options] : [withoutDeclarative(html)]);
      };
    replaceMethod(ElementP, 'setHTML', sanitizing);
    replaceMethod(ShadowRootP, 'setHTML', sanitizing);
    replaceMethod(DocumentCtor, 'parseHTML', (original) =>
      function parseHTML(this: unknown, html: unknown, options?: unknown) {
        return apply(original, this, arguments.length > 1 ? [withoutDeclarative(html), options] : [withoutDeclarative(html)]);
      });

    removeUnknownParsers(win);
  }
};

/**
 * Members whose names say they take or give HTML, and that are known not to
 * build shadow roots the guard cannot see: the fragment parsers without
 * declarative shadow DOM (innerHTML, outerHTML, insertAdjacentHTML; and
 * Range's createContextualFragment, which the name test does not catch),
 * serializers, WebVTT's cue parser, a document with no browsing context
 * (its nodes meet the guard when they are inserted here), Trusted Types'
 * wrappers of the page's own policy functions; and the ones replaced above.
 */
export const KNOWN_HTML_MEMBERS: ReadonlySet<string> = new Set([
  'innerHTML',
  'outerHTML',
  'insertAdjacentHTML',
  'getHTML',
  'getCueAsHTML',
  'createHTMLDocument',
  'createHTML',
  'isHTML',
  'emptyHTML',
  // Replaced above by versions that build roots through the guard, or none.
  'setHTMLUnsafe',
  'parseHTMLUnsafe',
  'setHTML',
  'parseHTML',
]);

/**
 * New parser entry points are blocked by construction, not by a list of
 * the ones we know to be dangerous: every member of every interface (on
 * its prototype or on the interface object itself) whose name mentions
 * HTML and is not one of KNOWN_HTML_MEMBERS is deleted before any artifact
 * code runs. A parser the browser adds later (a streaming variant of
 * setHTMLUnsafe, say) is therefore absent in the frame, as if the browser
 * did not have it, until it is reviewed and allowed here; pages that detect
 * features fall back as they would in an older browser. Returns the names
 * removed, as `Interface.member` / `Interface.prototype.member`.
 */
export const removeUnknownParsers = (global: object): string[] => {
  const removed: string[] = [];
  const globals = Object.getOwnPropertyNames(global);
  for (let g = 0; g < globals.length; g++) {
    // Descriptors only: reading a global could run a getter.
    const desc = Object.getOwnPropertyDescriptor(global, globals[g]);
    const ctor = desc === undefined ? undefined : (desc.value as unknown);
    if (typeof ctor !== 'function') continue;
    const proto = (ctor as { prototype?: unknown }).prototype;
    const owners: [object, string][] = [[ctor, globals[g]]];
    if (proto !== null && typeof proto === 'object') owners.push([proto, `${globals[g]}.prototype`]);
    for (let o = 0; o < owners.length; o++) {
      const [owner, label] = owners[o];
      const names = Object.getOwnPropertyNames(owner);
      for (let i = 0; i < names.length; i++) {
        const name = names[i];
        if (name.indexOf('HTML') < 0 || KNOWN_HTML_MEMBERS.has(name)) continue;
        try {
          if (delete (owner as Record<string, unknown>)[name]) removed.push(`${label}.${name}`);
        } catch {
          // Non-configurable: nothing more to do from script.
        }
      }
    }
  }
  return removed;
};
