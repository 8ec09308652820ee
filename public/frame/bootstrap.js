/*
 * Loupe artifact frame bootstrap.
 *
 * Inlined into the document served at <sandboxOrigin>/frame (the sandbox CSP
 * allows only inline scripts), inside <iframe sandbox="allow-scripts">, so it
 * runs with an opaque origin and talks to the app only through postMessage.
 *
 * Jobs, in file order:
 *   1. capture the DOM primitives it needs before any artifact code can patch them;
 *   2. talk to the parent: validate `render` / `scrollTo` / `theme`, post
 *      `ready`, `rendered`, `scroll`, `open-link`, `error`;
 *   3. keep the frame from leaving: links, forms, navigations, WebRTC;
 *   4. turn page source into a light tree ("vnodes") with content hashes;
 *   5. diff the previous tree against the new one and patch the live DOM
 *      through vnode.live, leaving nodes the artifact's scripts made alone;
 *   6. run new inline scripts once, in document order;
 *   7. keep the element at the top of the viewport where it was.
 *
 * Plain ES2020, no imports: it must run before anything else on the page.
 * JS intrinsics (Array, Map, String, Math) are trusted; a page that patches
 * those breaks its own code long before it breaks ours.
 */
(() => {
  'use strict';

  // ---------------------------------------------------------------------------
  // 1. Primitives
  // ---------------------------------------------------------------------------

  const win = window;
  const doc = document;
  // window.parent is [Replaceable]: an artifact may overwrite it, so keep ours.
  const parentWin = win.parent;
  const apply = Reflect.apply;
  const getPrototypeOf = Object.getPrototypeOf;
  const getOwnDesc = Object.getOwnPropertyDescriptor;
  const defineProp = Object.defineProperty;
  const URLCtor = URL;
  const EventCtor = Event;
  const ErrorEventCtor = ErrorEvent;
  const DOMParserCtor = DOMParser;
  const dateNow = Date.now;
  const abs = Math.abs;
  const max = Math.max;
  const min = Math.min;
  const imul = Math.imul;

  /** Finds a property descriptor on obj or up its prototype chain. */
  const findDesc = (obj, name) => {
    for (let o = obj; o; o = getPrototypeOf(o)) {
      const d = getOwnDesc(o, name);
      if (d) return d;
    }
    return undefined;
  };
  /** Detaches a method from its prototype, so later patches do not reach us. */
  const method = (proto, name) => {
    const fn = findDesc(proto, name).value;
    return (self, ...args) => apply(fn, self, args);
  };
  const getter = (proto, name) => {
    const get = findDesc(proto, name).get;
    return (self) => apply(get, self, []);
  };
  const setter = (proto, name) => {
    const set = findDesc(proto, name).set;
    return (self, value) => apply(set, self, [value]);
  };

  const NodeP = Node.prototype;
  const ElementP = Element.prototype;
  const DocumentP = Document.prototype;
  const EventP = EventCtor.prototype;

  const addListener = method(EventTarget.prototype, 'addEventListener');
  const dispatch = method(EventTarget.prototype, 'dispatchEvent');
  const preventDefault = method(EventP, 'preventDefault');
  const stopImmediatePropagation = method(EventP, 'stopImmediatePropagation');
  const composedPath = method(EventP, 'composedPath');
  const msgSource = getter(MessageEvent.prototype, 'source');
  const msgData = getter(MessageEvent.prototype, 'data');
  const mouseButton = getter(MouseEvent.prototype, 'button');

  const parseFromString = method(DOMParserCtor.prototype, 'parseFromString');
  const parser = new DOMParserCtor();

  const nodeType = getter(NodeP, 'nodeType');
  const parentOf = getter(NodeP, 'parentNode');
  const firstChildOf = getter(NodeP, 'firstChild');
  const nextSiblingOf = getter(NodeP, 'nextSibling');
  const isConnected = getter(NodeP, 'isConnected');
  const getTextContent = getter(NodeP, 'textContent');
  const setTextContent = setter(NodeP, 'textContent');
  const insertBefore = method(NodeP, 'insertBefore');
  const removeChild = method(NodeP, 'removeChild');
  const replaceChild = method(NodeP, 'replaceChild');
  const appendChild = method(NodeP, 'appendChild');
  const getData = getter(CharacterData.prototype, 'data');
  const setData = setter(CharacterData.prototype, 'data');

  const localNameOf = getter(ElementP, 'localName');
  const namespaceOf = getter(ElementP, 'namespaceURI');
  const attributesOf = getter(ElementP, 'attributes');
  const firstElementChildOf = getter(ElementP, 'firstElementChild');
  const nextElementSiblingOf = getter(ElementP, 'nextElementSibling');
  const getAttribute = method(ElementP, 'getAttribute');
  const getAttributeNS = method(ElementP, 'getAttributeNS');
  const getAttributeNodeNS = method(ElementP, 'getAttributeNodeNS');
  const setAttributeNS = method(ElementP, 'setAttributeNS');
  const setAttributeNode = method(ElementP, 'setAttributeNode');
  const removeAttributeNS = method(ElementP, 'removeAttributeNS');
  const getRect = method(ElementP, 'getBoundingClientRect');
  const getInnerHTML = getter(ElementP, 'innerHTML');
  const scrollHeightOf = getter(ElementP, 'scrollHeight');
  const attrCount = getter(NamedNodeMap.prototype, 'length');
  const attrAt = method(NamedNodeMap.prototype, 'item');
  const attrName = getter(Attr.prototype, 'name');
  const attrLocalName = getter(Attr.prototype, 'localName');
  const attrNamespace = getter(Attr.prototype, 'namespaceURI');
  const attrValue = getter(Attr.prototype, 'value');
  const rectTop = getter(DOMRectReadOnly.prototype, 'top');
  const rectBottom = getter(DOMRectReadOnly.prototype, 'bottom');
  const rectWidth = getter(DOMRectReadOnly.prototype, 'width');
  const rectHeight = getter(DOMRectReadOnly.prototype, 'height');

  const importNode = method(DocumentP, 'importNode');
  const createElementNS = method(DocumentP, 'createElementNS');
  const createTextNode = method(DocumentP, 'createTextNode');
  const createComment = method(DocumentP, 'createComment');
  const createRange = method(DocumentP, 'createRange');
  const elementsFromPoint = method(DocumentP, 'elementsFromPoint');
  const documentElementOf = getter(DocumentP, 'documentElement');
  const headOf = getter(DocumentP, 'head');
  const bodyOf = getter(DocumentP, 'body');
  const currentScriptOf = getter(DocumentP, 'currentScript');
  const selectNode = method(Range.prototype, 'selectNode');
  const createContextualFragment = method(Range.prototype, 'createContextualFragment');
  const lastChildOf = getter(NodeP, 'lastChild');

  // Window members live on the window object itself ([Global] interface).
  const scrollYOf = getter(win, 'scrollY');
  const innerWidthOf = getter(win, 'innerWidth');
  const innerHeightOf = getter(win, 'innerHeight');
  const scrollByFn = win.scrollBy;
  const scrollToFn = win.scrollTo;
  const getComputedStyleFn = win.getComputedStyle;
  const rafFn = win.requestAnimationFrame;
  const cancelRafFn = win.cancelAnimationFrame;
  const setTimeoutFn = win.setTimeout;
  const clearTimeoutFn = win.clearTimeout;
  const scrollBy = (dx, dy) => apply(scrollByFn, win, [dx, dy]);
  const scrollTo = (options) => apply(scrollToFn, win, [options]);
  const computedPosition = (el) => apply(getComputedStyleFn, win, [el]).position;
  const raf = (fn) => apply(rafFn, win, [fn]);
  const cancelRaf = (id) => apply(cancelRafFn, win, [id]);
  const setTimer = (fn, ms) => apply(setTimeoutFn, win, [fn, ms]);
  const clearTimer = (id) => apply(clearTimeoutFn, win, [id]);
  const locationHref = () => win.location.href; // Location is unforgeable.

  const HTML_NS = 'http://www.w3.org/1999/xhtml';
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const XLINK_NS = 'http://www.w3.org/1999/xlink';
  const OWN_ORIGIN = new URLCtor(locationHref()).origin;
  const LINK_PROTOCOLS = { 'http:': true, 'https:': true, 'mailto:': true };
  const MAX_HREF = 2048;
  const MAX_MESSAGE = 500;
  const MAX_HTML = 16 * 1024 * 1024;

  // ---------------------------------------------------------------------------
  // 2. Talking to the parent
  // ---------------------------------------------------------------------------

  const postMessageFn = parentWin.postMessage;
  const post = (message) => {
    message.loupe = 1;
    try {
      // The parent cannot be named by origin from an opaque origin; '*' is
      // fine because only the embedder is ever window.parent.
      apply(postMessageFn, parentWin, [message, '*']);
    } catch (_) {
      // Nothing useful to do if the parent is gone.
    }
  };

  const metrics = () => {
    const root = documentElementOf(doc);
    return {
      scrollY: max(0, scrollYOf(win)),
      scrollHeight: max(0, root ? scrollHeightOf(root) : 0),
      viewportHeight: max(0, innerHeightOf(win)),
    };
  };

  // Errors are rate-limited: a page that throws in a requestAnimationFrame
  // loop must not flood the app. Token bucket, 10 deep, 2 per second.
  let errorTokens = 10;
  let errorRefilledAt = dateNow();
  let errorsDropped = 0;
  const reportError = (text) => {
    const t = dateNow();
    errorTokens = min(10, errorTokens + ((t - errorRefilledAt) / 1000) * 2);
    errorRefilledAt = t;
    if (errorTokens < 1) {
      errorsDropped++;
      return;
    }
    errorTokens -= 1;
    let message = String(text);
    if (errorsDropped > 0) {
      message = `(${errorsDropped} earlier errors not reported) ${message}`;
      errorsDropped = 0;
    }
    post({ type: 'error', message: message.slice(0, MAX_MESSAGE) });
  };
  const describe = (err) => {
    try {
      return err && err.message ? String(err.message) : String(err);
    } catch (_) {
      return 'unprintable error';
    }
  };

  // Scroll reports: leading and trailing edge, at most one per 100 ms.
  let scrollReportedAt = 0;
  let scrollTimer = 0;
  const reportScroll = () => {
    const elapsed = dateNow() - scrollReportedAt;
    if (elapsed >= 100) {
      scrollReportedAt = dateNow();
      const m = metrics();
      post({ type: 'scroll', scrollY: m.scrollY, scrollHeight: m.scrollHeight, viewportHeight: m.viewportHeight });
    } else if (!scrollTimer) {
      scrollTimer = setTimer(() => {
        scrollTimer = 0;
        reportScroll();
      }, 100 - elapsed);
    }
  };

  const isPlainNumber = (v) => typeof v === 'number' && v === v && v >= 0 && v <= 1e9;

  const onMessage = (event) => {
    if (msgSource(event) !== parentWin) return;
    const data = msgData(event);
    if (data === null || typeof data !== 'object' || data.loupe !== 1) return;
    // Ours, not the artifact's: its own message handlers never see it.
    stopImmediatePropagation(event);
    const type = data.type;
    if (type === 'render') {
      const rev = data.rev;
      const html = data.html;
      if (typeof rev !== 'number' || !Number.isSafeInteger(rev) || rev < 0) return;
      if (typeof html !== 'string' || html.length > MAX_HTML) return;
      requestRender(rev, html);
    } else if (type === 'scrollTo') {
      if (!isPlainNumber(data.y)) return;
      scrollTo({ top: data.y, left: 0, behavior: 'instant' });
    } else if (type === 'theme') {
      // Accepted and ignored: an artifact owns its colours.
    }
  };

  // Registered first and in the capture phase, so these run before anything
  // an artifact registers on window.
  addListener(win, 'message', onMessage, true);
  addListener(win, 'scroll', reportScroll, { capture: true, passive: true });
  addListener(win, 'resize', reportScroll, { passive: true });
  addListener(
    win,
    'error',
    (event) => {
      // Resource load failures are plain Events; only script errors matter.
      if (!(event instanceof ErrorEventCtor)) return;
      const where = event.lineno ? ` (line ${event.lineno}:${event.colno})` : '';
      reportError(`${event.message || describe(event.error)}${where}`);
    },
    true,
  );
  addListener(win, 'unhandledrejection', (event) => reportError(`Unhandled rejection: ${describe(event.reason)}`), true);
  addListener(
    doc,
    'securitypolicyviolation',
    (event) => reportError(`Blocked by the sandbox (${event.effectiveDirective}): ${event.blockedURI || 'inline'}`),
    true,
  );

  // ---------------------------------------------------------------------------
  // 3. No way out: links, forms, navigations, WebRTC
  // ---------------------------------------------------------------------------

  const withoutHash = (href) => {
    const i = href.indexOf('#');
    return i < 0 ? href : href.slice(0, i);
  };

  const linkHref = (el) => {
    // composedPath() ends with Document and Window, which are not Nodes of
    // the element kind; the detached getter throws on a Window.
    try {
      if (nodeType(el) !== 1) return null;
    } catch (_) {
      return null;
    }
    const name = localNameOf(el);
    if (name !== 'a' && name !== 'area') return null;
    const raw = getAttribute(el, 'href');
    if (raw !== null) return raw;
    return namespaceOf(el) === SVG_NS ? getAttributeNS(el, XLINK_NS, 'href') : null;
  };

  const onLinkActivation = (event) => {
    if (event.type === 'auxclick' && mouseButton(event) !== 1) return;
    const path = composedPath(event);
    let raw = null;
    for (let i = 0; i < path.length && raw === null; i++) raw = linkHref(path[i]);
    if (raw === null) return;
    let url;
    try {
      url = new URLCtor(raw, locationHref());
    } catch (_) {
      preventDefault(event);
      return;
    }
    // javascript: runs in this document, which the page could do anyway.
    if (url.protocol === 'javascript:') return;
    // Same-document fragment links scroll within the page: let them.
    if (raw.indexOf('#') >= 0 && withoutHash(url.href) === withoutHash(locationHref())) return;
    preventDefault(event);
    // Links back into the sandbox origin mean nothing outside the frame.
    if (LINK_PROTOCOLS[url.protocol] === true && url.origin !== OWN_ORIGIN && url.href.length <= MAX_HREF) {
      post({ type: 'open-link', href: url.href });
    }
  };
  addListener(win, 'click', onLinkActivation, true);
  addListener(win, 'auxclick', onLinkActivation, true);
  // The sandbox (no allow-forms) and form-action 'none' already stop these;
  // cancelling first keeps the attempt from even starting.
  addListener(win, 'submit', (event) => preventDefault(event), true);

  // Browsers that fire `navigate` here let us cancel a self-navigation before
  // it starts. The HTML spec disables the Navigation API's events for opaque
  // origins, so in the sandbox this is usually inert; the embedder's
  // frame-src is what actually holds the frame on the sandbox origin.
  const navigation = win.navigation;
  if (navigation && typeof navigation.addEventListener === 'function') {
    addListener(navigation, 'navigate', (event) => {
      if (!event.cancelable) return;
      if (event.destination && event.destination.sameDocument) return;
      preventDefault(event);
    });
  }

  // WebRTC ignores connect-src: ICE (STUN/TURN) would reach any host. Remove
  // the constructors before artifact code runs. A nested same-origin frame
  // (about:blank, srcdoc) gets fresh ones; see docs for that residual gap.
  const RTC_NAMES = ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCDataChannel', 'RTCIceTransport', 'RTCSctpTransport'];
  for (let i = 0; i < RTC_NAMES.length; i++) {
    try {
      delete win[RTC_NAMES[i]];
    } catch (_) {
      // Non-configurable in some engine: nothing more to do from script.
    }
  }

  // ---------------------------------------------------------------------------
  // 4. Page source → vnodes
  // ---------------------------------------------------------------------------
  //
  // vnode: { kind: 1|3|8, ns, name, id, attrs: [{ns, local, qname, value}],
  //          text, children, atomic, hash, shape, head, tail, src, live }
  //   hash   content hash of the whole subtree: equal hash = identical subtree
  //   shape  what may be morphed into what (element name + id; any text; any comment)
  //   head/tail  first/last characters of the text, to pair edited siblings
  //   src    the parsed node, only during the render that created the vnode
  //   live   the node in the live document built for it

  const SAMPLE = 48;

  /** 53-bit string hash (cyrb53): fast, and collisions are out of reach for page-sized inputs. */
  const hashString = (str) => {
    let h1 = 0xdeadbeef;
    let h2 = 0x41c6ce57;
    for (let i = 0; i < str.length; i++) {
      const ch = str.charCodeAt(i);
      h1 = imul(h1 ^ ch, 2654435761);
      h2 = imul(h2 ^ ch, 1597334677);
    }
    h1 = imul(h1 ^ (h1 >>> 16), 2246822507);
    h1 ^= imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = imul(h2 ^ (h2 >>> 16), 2246822507);
    h2 ^= imul(h1 ^ (h1 >>> 13), 3266489909);
    return 4294967296 * (2097151 & h2) + (h1 >>> 0);
  };

  const LINK_HINTS = ['preconnect', 'prefetch', 'prerender', 'dns-prefetch', 'preload', 'modulepreload'];

  /** Elements that would act on insertion in ways the sandbox must not allow. */
  const isNeutralised = (el, name) => {
    if (namespaceOf(el) !== HTML_NS) return false;
    if (name === 'base' || name === 'noscript') return true;
    if (name === 'meta') {
      const equiv = getAttribute(el, 'http-equiv');
      return equiv !== null && equiv.trim().toLowerCase() === 'refresh';
    }
    if (name === 'link') {
      const rel = (getAttribute(el, 'rel') || '').toLowerCase().split(/\s+/);
      for (let i = 0; i < rel.length; i++) if (LINK_HINTS.indexOf(rel[i]) >= 0) return true;
      return false;
    }
    if (name === 'script') {
      const type = (getAttribute(el, 'type') || '').trim().toLowerCase();
      return type === 'speculationrules';
    }
    return false;
  };

  const textVnode = (kind, text) => ({
    kind,
    text,
    hash: hashString((kind === 3 ? 't' : 'c') + text),
    shape: kind === 3 ? '#text' : '#comment',
    head: text.slice(0, SAMPLE),
    tail: text.slice(-SAMPLE),
    atomic: false,
    children: null,
    live: null,
  });

  const readAttrs = (el) => {
    const map = attributesOf(el);
    const n = attrCount(map);
    const attrs = new Array(n);
    for (let i = 0; i < n; i++) {
      const a = attrAt(map, i);
      attrs[i] = { ns: attrNamespace(a), local: attrLocalName(a), qname: attrName(a), value: attrValue(a) };
    }
    return attrs;
  };

  const buildVnode = (node) => {
    const type = nodeType(node);
    if (type === 3) return textVnode(3, getData(node));
    if (type === 8) return textVnode(8, getData(node));
    if (type !== 1) return null;
    const name = localNameOf(node);
    if (isNeutralised(node, name)) return null;
    const ns = namespaceOf(node);
    const attrs = readAttrs(node);
    let sig = `${ns}|${name}`;
    for (let i = 0; i < attrs.length; i++) sig += `\u0001${attrs[i].ns || ''}\u0002${attrs[i].qname}\u0002${attrs[i].value}`;
    const v = {
      kind: 1,
      ns,
      name,
      id: getAttribute(node, 'id') || '',
      attrs,
      text: '',
      children: [],
      atomic: false,
      hash: 0,
      shape: '',
      head: '',
      tail: '',
      src: node,
      live: null,
    };
    if (name === 'script' || name === 'template') {
      // Never morphed: a changed script is replaced (and so runs once); a
      // template's content lives outside its children.
      v.atomic = true;
      v.text = name === 'script' ? getTextContent(node) : getInnerHTML(node);
      v.hash = hashString(`${sig}\u0003${v.text}`);
      v.shape = '';
      return v;
    }
    let childSig = '';
    for (let c = firstChildOf(node); c !== null; c = nextSiblingOf(c)) {
      const cv = buildVnode(c);
      if (cv === null) continue;
      v.children.push(cv);
      childSig += `,${cv.hash}`;
      if (v.head.length < SAMPLE) v.head += cv.head;
    }
    for (let i = v.children.length - 1; i >= 0 && v.tail.length < SAMPLE; i--) v.tail = v.children[i].tail + v.tail;
    v.head = v.head.slice(0, SAMPLE);
    v.tail = v.tail.slice(-SAMPLE);
    v.hash = hashString(`${sig}\u0003${childSig}`);
    v.shape = `${ns}|${name}#${v.id}`;
    return v;
  };

  const parseSource = (html) => {
    const parsed = parseFromString(parser, html, 'text/html');
    return buildVnode(documentElementOf(parsed));
  };

  /** Drops parsed-node references once a render is done, so old parses can be collected. */
  const releaseSources = (v) => {
    if (v.src === undefined || v.src === null) return;
    v.src = null;
    if (v.children) for (let i = 0; i < v.children.length; i++) releaseSources(v.children[i]);
  };

  // ---------------------------------------------------------------------------
  // 5. Diff and patch
  // ---------------------------------------------------------------------------

  /**
   * Order-preserving matching of a[] and b[] by key equality (LCS). Returns
   * matchOf, where matchOf[j] is the index in a matched to b[j], or -1.
   * Common prefix and suffix first (the usual live edit touches one region);
   * exact DP for the middle when it is small; otherwise patience matching on
   * keys unique to both sides, recursing into the gaps between them.
   */
  const DP_LIMIT = 1 << 20;
  const matchByKey = (aKeys, bKeys) => {
    const matchOf = new Array(bKeys.length).fill(-1);
    const solve = (a0, a1, b0, b1) => {
      while (a0 < a1 && b0 < b1 && aKeys[a0] === bKeys[b0]) matchOf[b0++] = a0++;
      while (a0 < a1 && b0 < b1 && aKeys[a1 - 1] === bKeys[b1 - 1]) matchOf[--b1] = --a1;
      const n = a1 - a0;
      const m = b1 - b0;
      if (n === 0 || m === 0) return;
      if (n * m <= DP_LIMIT) {
        lcsTable(a0, a1, b0, b1);
        return;
      }
      const anchors = uniqueAnchors(a0, a1, b0, b1);
      if (anchors.length === 0) return;
      let pa = a0;
      let pb = b0;
      for (let k = 0; k < anchors.length; k += 2) {
        solve(pa, anchors[k], pb, anchors[k + 1]);
        matchOf[anchors[k + 1]] = anchors[k];
        pa = anchors[k] + 1;
        pb = anchors[k + 1] + 1;
      }
      solve(pa, a1, pb, b1);
    };
    const lcsTable = (a0, a1, b0, b1) => {
      const n = a1 - a0;
      const m = b1 - b0;
      const w = m + 1;
      const t = new Uint32Array((n + 1) * w);
      for (let i = n - 1; i >= 0; i--) {
        for (let j = m - 1; j >= 0; j--) {
          t[i * w + j] =
            aKeys[a0 + i] === bKeys[b0 + j] ? t[(i + 1) * w + j + 1] + 1 : max(t[(i + 1) * w + j], t[i * w + j + 1]);
        }
      }
      let i = 0;
      let j = 0;
      while (i < n && j < m) {
        if (aKeys[a0 + i] === bKeys[b0 + j]) {
          matchOf[b0 + j] = a0 + i;
          i++;
          j++;
        } else if (t[(i + 1) * w + j] >= t[i * w + j + 1]) i++;
        else j++;
      }
    };
    // Keys occurring once on each side, then the longest run of them that is
    // increasing in both (patience sorting). Returns [ai, bj, ai, bj, ...].
    const uniqueAnchors = (a0, a1, b0, b1) => {
      const seen = new Map();
      for (let i = a0; i < a1; i++) {
        const s = seen.get(aKeys[i]);
        seen.set(aKeys[i], s === undefined ? { a: i, na: 1, b: -1, nb: 0 } : { a: s.a, na: s.na + 1, b: -1, nb: 0 });
      }
      for (let j = b0; j < b1; j++) {
        const s = seen.get(bKeys[j]);
        if (s !== undefined) {
          s.b = j;
          s.nb++;
        }
      }
      const pairs = [];
      for (let j = b0; j < b1; j++) {
        const s = seen.get(bKeys[j]);
        if (s !== undefined && s.na === 1 && s.nb === 1) pairs.push(s.a, j);
      }
      // pairs is in b order; longest increasing subsequence on a.
      const count = pairs.length / 2;
      const tails = [];
      const prev = new Int32Array(count).fill(-1);
      for (let k = 0; k < count; k++) {
        const av = pairs[2 * k];
        let lo = 0;
        let hi = tails.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (pairs[2 * tails[mid]] < av) lo = mid + 1;
          else hi = mid;
        }
        if (lo > 0) prev[k] = tails[lo - 1];
        tails[lo] = k;
      }
      const out = new Array(tails.length * 2);
      for (let k = tails.length ? tails[tails.length - 1] : -1, p = tails.length - 1; k >= 0; k = prev[k], p--) {
        out[2 * p] = pairs[2 * k];
        out[2 * p + 1] = pairs[2 * k + 1];
      }
      return out;
    };
    solve(0, aKeys.length, 0, bKeys.length);
    return matchOf;
  };

  /** 0..1: how alike two siblings read, from their first and last characters. */
  const similarity = (x, y) => {
    let p = 0;
    const pn = min(x.head.length, y.head.length);
    while (p < pn && x.head.charCodeAt(p) === y.head.charCodeAt(p)) p++;
    let s = 0;
    const sn = min(x.tail.length, y.tail.length);
    while (s < sn && x.tail.charCodeAt(x.tail.length - 1 - s) === y.tail.charCodeAt(y.tail.length - 1 - s)) s++;
    const denom = max(x.head.length, y.head.length, 1) + max(x.tail.length, y.tail.length, 1);
    return (p + s) / denom;
  };

  /**
   * Pairs the leftovers between two exact matches for in-place morphing:
   * same shape required, and among those the alignment with the most
   * similar content wins (so an edited paragraph pairs with its old self,
   * not with a new paragraph inserted before it). Large gaps fall back to
   * plain LCS on shape.
   */
  const WEIGHTED_LIMIT = 4096;
  const pairGap = (a, ai, b, bj, matchOf) => {
    const n = ai.length;
    const m = bj.length;
    if (n === 0 || m === 0) return;
    if (n * m > WEIGHTED_LIMIT) {
      const aKeys = ai.map((i) => a[i].shape || `\u0000${i}`);
      const bKeys = bj.map((j) => b[j].shape || `\u0001${j}`);
      const sub = matchByKey(aKeys, bKeys);
      for (let k = 0; k < m; k++) if (sub[k] >= 0) matchOf[bj[k]] = ai[sub[k]];
      return;
    }
    const w = m + 1;
    const score = new Float64Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        let best = max(score[(i + 1) * w + j], score[i * w + j + 1]);
        const x = a[ai[i]];
        const y = b[bj[j]];
        if (x.shape !== '' && x.shape === y.shape) best = max(best, score[(i + 1) * w + j + 1] + 1 + similarity(x, y));
        score[i * w + j] = best;
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      const x = a[ai[i]];
      const y = b[bj[j]];
      const here = score[i * w + j];
      if (x.shape !== '' && x.shape === y.shape && here === score[(i + 1) * w + j + 1] + 1 + similarity(x, y)) {
        matchOf[bj[j]] = ai[i];
        i++;
        j++;
      } else if (here === score[(i + 1) * w + j]) i++;
      else j++;
    }
  };

  /** Per render: scripts to run, and whether live nodes were created. */
  const newRenderContext = () => ({ scripts: [] });

  /** Live nodes built from source; everything else in the document belongs to the artifact's scripts. */
  const managed = new WeakSet();

  const setAttr = (live, attr, srcEl) => {
    try {
      setAttributeNS(live, attr.ns, attr.qname, attr.value);
    } catch (_) {
      // The parser accepts names setAttribute refuses (`@click`, `x:y` with no
      // namespace). Copying the parsed Attr node skips the name check.
      const node = srcEl ? getAttributeNodeNS(srcEl, attr.ns, attr.local) : null;
      if (node) setAttributeNode(live, importNode(doc, node, false));
    }
  };

  /** Source wins for attributes the source names; attributes only a script set are left alone. */
  const morphAttrs = (live, oldAttrs, newAttrs, srcEl) => {
    const before = new Map();
    for (let i = 0; i < oldAttrs.length; i++) before.set(`${oldAttrs[i].ns}|${oldAttrs[i].local}`, oldAttrs[i].value);
    const after = new Set();
    for (let i = 0; i < newAttrs.length; i++) {
      const attr = newAttrs[i];
      const key = `${attr.ns}|${attr.local}`;
      after.add(key);
      if (before.get(key) !== attr.value) setAttr(live, attr, srcEl);
    }
    for (let i = 0; i < oldAttrs.length; i++) {
      const attr = oldAttrs[i];
      if (!after.has(`${attr.ns}|${attr.local}`)) removeAttributeNS(live, attr.ns, attr.local);
    }
  };

  /** Creates the live subtree for a new vnode. Scripts go in inert and run later, in order. */
  const buildLive = (v, ctx) => {
    let live;
    if (v.kind === 3) live = createTextNode(doc, v.text);
    else if (v.kind === 8) live = createComment(doc, v.text);
    else if (v.name === 'template') live = importNode(doc, v.src, true);
    else {
      // importNode keeps attribute names the parser allowed; the copy of a
      // parsed <script> is marked "already started", so it stays inert.
      live = importNode(doc, v.src, false);
      if (v.name === 'script') {
        if (getAttribute(live, 'src') === null) {
          ctx.scripts.push(v);
        } else {
          // External scripts are blocked by CSP anyway; keeping this one inert
          // means the browser never even attempts the fetch.
          setTextContent(live, v.text);
        }
      } else {
        for (let i = 0; i < v.children.length; i++) appendChild(live, buildLive(v.children[i], ctx));
      }
    }
    v.live = live;
    managed.add(live);
    return live;
  };

  const detach = (node) => {
    const parent = node ? parentOf(node) : null;
    if (parent !== null) removeChild(parent, node);
  };

  const attachedTo = (node, parent) => node !== null && node !== undefined && parentOf(node) === parent;

  /** Makes the children of live (built for oldV) match newV.children. */
  const patchChildren = (oldV, newV, live, ctx) => {
    const a = oldV.children;
    const b = newV.children;
    const matchOf = matchByKey(
      a.map((v) => v.hash),
      b.map((v) => v.hash),
    );
    const exact = matchOf.map((i) => i >= 0);
    // Between exact matches, pair leftovers of the same shape for morphing.
    let lastA = -1;
    for (let j = 0; j <= b.length; j++) {
      if (j < b.length && !exact[j]) continue;
      const nextA = j < b.length ? matchOf[j] : a.length;
      const ai = [];
      for (let i = lastA + 1; i < nextA; i++) ai.push(i);
      const bj = [];
      let firstB = j;
      while (firstB > 0 && !exact[firstB - 1]) firstB--;
      for (let k = firstB; k < j; k++) bj.push(k);
      pairGap(a, ai, b, bj, matchOf);
      lastA = nextA;
    }
    const used = new Uint8Array(a.length);
    for (let j = 0; j < b.length; j++) if (matchOf[j] >= 0) used[matchOf[j]] = 1;
    for (let i = 0; i < a.length; i++) if (!used[i]) detach(a[i].live);

    // Insertion points: before the live node of the next matched sibling that
    // is still where we put it, else after the previous sibling, else append.
    const nextRef = new Array(b.length);
    let ref = null;
    for (let j = b.length - 1; j >= 0; j--) {
      nextRef[j] = ref;
      const i = matchOf[j];
      if (i >= 0 && attachedTo(a[i].live, live)) ref = a[i].live;
    }
    let prevLive = null;
    for (let j = 0; j < b.length; j++) {
      const i = matchOf[j];
      if (i >= 0 && exact[j]) {
        b[j] = a[i]; // identical subtree: keep the old vnode and its live nodes
      } else if (i >= 0) {
        const x = a[i];
        const y = b[j];
        y.live = x.live;
        if (y.kind !== 1) {
          if (x.text !== y.text && y.live) setData(y.live, y.text);
        } else if (y.live) {
          morphAttrs(y.live, x.attrs, y.attrs, y.src);
          patchChildren(x, y, y.live, ctx);
        }
      } else {
        const node = buildLive(b[j], ctx);
        let before = nextRef[j];
        if (!attachedTo(before, live)) before = attachedTo(prevLive, live) ? nextSiblingOf(prevLive) : null;
        insertBefore(live, node, before);
      }
      if (attachedTo(b[j].live, live)) prevLive = b[j].live;
    }
  };

  // ---------------------------------------------------------------------------
  // 6. Scripts, and the load events artifacts wait for
  // ---------------------------------------------------------------------------

  const runScripts = (scripts) => {
    for (let k = 0; k < scripts.length; k++) {
      const v = scripts[k];
      const placeholder = v.live;
      const parent = parentOf(placeholder);
      if (parent === null) continue;
      // A script element created here (not by the parser) runs on insertion.
      const fresh = createElementNS(doc, v.ns, 'script');
      for (let i = 0; i < v.attrs.length; i++) setAttr(fresh, v.attrs[i], v.src);
      setTextContent(fresh, v.text);
      v.live = fresh;
      managed.add(fresh);
      // Errors thrown by the script are reported through window.onerror,
      // not thrown here: the bootstrap carries on.
      replaceChild(parent, fresh, placeholder);
    }
  };

  // The frame document finished loading long before any artifact script
  // runs, but artifacts written as standalone pages wait for DOMContentLoaded
  // or load. After each render that ran scripts, both are dispatched again;
  // listeners for them are registered as `once`, so each fires exactly one
  // time, as it would in a standalone page.
  const LOAD_TYPES = { DOMContentLoaded: true, load: true };
  const addListenerLive = (self, args) => apply(EventTarget.prototype.addEventListener, self, args);
  const fireOnceWrapper = (target) => {
    defineProp(target, 'addEventListener', {
      configurable: true,
      writable: true,
      value: function addEventListener(type, listener, options) {
        // A bare `addEventListener(...)` in a page script arrives with no
        // receiver (this function is strict); the native one means window.
        const self = this === undefined || this === null ? win : this;
        const capture = options === true || (options !== null && typeof options === 'object' && options.capture === true);
        if (self === target && LOAD_TYPES[type] === true && !capture) {
          const once = typeof options === 'object' && options !== null ? Object.assign({}, options) : {};
          once.once = true;
          return addListenerLive(self, [type, listener, once]);
        }
        return addListenerLive(self, arguments);
      },
    });
  };
  fireOnceWrapper(win);
  fireOnceWrapper(doc);

  const fireLoadEvents = () => {
    dispatch(doc, new EventCtor('DOMContentLoaded', { bubbles: true }));
    dispatch(win, new EventCtor('load'));
    // window.onload (or <body onload>) is an event handler, not a listener:
    // clear it once it has fired so the next render does not fire it again.
    try {
      win.onload = null;
    } catch (_) {
      // Redefined by the page: leave it.
    }
  };

  // document.open() on a loaded document wipes every listener, ours
  // included, and write() implies open(). Emulate the parser instead: what a
  // running script writes goes in right after that script.
  const lastWritten = new WeakMap();
  const writeHtml = (html) => {
    const script = currentScriptOf(doc);
    const parent = script ? parentOf(script) : null;
    if (parent === null) return;
    const range = createRange(doc);
    selectNode(range, script);
    const fragment = createContextualFragment(range, html);
    const last = lastChildOf(fragment);
    const after = lastWritten.get(script);
    const anchor = after && parentOf(after) === parent ? after : script;
    insertBefore(parent, fragment, nextSiblingOf(anchor));
    if (last) lastWritten.set(script, last);
  };
  const own = (name, value) => defineProp(doc, name, { configurable: true, writable: true, value });
  own('write', (...parts) => writeHtml(parts.join('')));
  own('writeln', (...parts) => writeHtml(`${parts.join('')}\n`));
  own('open', () => doc);
  own('close', () => undefined);

  // ---------------------------------------------------------------------------
  // 7. Keeping the reader's place
  // ---------------------------------------------------------------------------
  //
  // Before patching, pick an anchor: the deepest source-built element at the
  // top edge of the viewport, not inside fixed or sticky boxes (they do not
  // move with content). After patching and running scripts, scroll by however
  // far it moved. Native scroll anchoring stays on: it applies its own
  // adjustment during the layout our measurement forces, so what we correct
  // is only the residual, and it still helps with changes the page's own
  // scripts make later.

  const pinned = (el) => {
    const root = documentElementOf(doc);
    for (let e = el; e !== null && e !== root && nodeType(e) === 1; e = parentOf(e)) {
      const position = computedPosition(e);
      if (position === 'fixed' || position === 'sticky') return true;
    }
    return false;
  };

  const usable = (el) => {
    if (!managed.has(el) || !isConnected(el)) return false;
    if (el === documentElementOf(doc) || el === bodyOf(doc) || el === headOf(doc)) return false;
    const r = getRect(el);
    return rectWidth(r) > 0 || rectHeight(r) > 0;
  };

  const findAnchor = () => {
    const width = innerWidthOf(win);
    const height = innerHeightOf(win);
    const xs = [width / 2, width / 4, (width * 3) / 4, 8];
    let best = null;
    let bestHeight = Infinity;
    for (let k = 0; k < xs.length; k++) {
      const hits = elementsFromPoint(doc, xs[k], 1);
      // Top-most first; skip a fixed header and look at what is behind it.
      for (let i = 0; i < hits.length; i++) {
        const el = hits[i];
        if (!usable(el) || pinned(el)) continue;
        const h = rectHeight(getRect(el));
        if (h < bestHeight) {
          best = el;
          bestHeight = h;
        }
        break;
      }
    }
    if (best === null) best = bodyOf(doc);
    // Landed on a container in a gap, or a tall block: go down to the first
    // child that reaches below the top edge and starts within the viewport.
    for (let guard = 0; best !== null && guard < 64; guard++) {
      let next = null;
      for (let c = firstElementChildOf(best); c !== null; c = nextElementSiblingOf(c)) {
        if (!usable(c)) continue;
        const r = getRect(c);
        if (rectBottom(r) <= 0 || pinned(c)) continue;
        if (rectTop(r) < height) next = c;
        break;
      }
      if (next === null) break;
      best = next;
    }
    return best;
  };

  /** The anchor plus fallbacks (next siblings, then ancestors), with their current tops. */
  const captureAnchor = () => {
    if (scrollYOf(win) <= 0) return null; // at the very top, stay at the top
    const anchor = findAnchor();
    if (anchor === null) return null;
    const chain = [];
    const push = (el) => {
      if (usable(el)) chain.push({ el, top: rectTop(getRect(el)) });
    };
    push(anchor);
    let sibling = anchor;
    for (let k = 0; k < 3 && sibling !== null; k++) {
      sibling = nextElementSiblingOf(sibling);
      if (sibling !== null) push(sibling);
    }
    for (let e = parentOf(anchor); e !== null && nodeType(e) === 1; e = parentOf(e)) push(e);
    return chain;
  };

  const restoreAnchor = (chain) => {
    if (chain === null) return;
    for (let k = 0; k < chain.length; k++) {
      const entry = chain[k];
      if (!isConnected(entry.el)) continue;
      const delta = rectTop(getRect(entry.el)) - entry.top;
      if (abs(delta) >= 0.5) scrollBy(0, delta);
      return;
    }
  };

  // ---------------------------------------------------------------------------
  // Rendering: state, coalescing, applying
  // ---------------------------------------------------------------------------

  /** The tree the live document was last built from; starts as the empty frame page. */
  let tree = null;
  let lastRev = -1;
  let pending = null;
  let frameId = 0;
  let fallbackTimer = 0;

  const emptyElement = (name, live, children) => {
    const v = {
      kind: 1,
      ns: HTML_NS,
      name,
      id: '',
      attrs: [],
      text: '',
      children,
      atomic: false,
      hash: 0,
      shape: `${HTML_NS}|${name}#`,
      head: '',
      tail: '',
      src: null,
      live,
    };
    v.hash = hashString(`${HTML_NS}|${name}\u0003${children.map((c) => `,${c.hash}`).join('')}`);
    managed.add(live);
    return v;
  };
  const emptyTree = () =>
    emptyElement('html', documentElementOf(doc), [emptyElement('head', headOf(doc), []), emptyElement('body', bodyOf(doc), [])]);

  const applyTree = (next) => {
    const ctx = newRenderContext();
    next.live = tree.live;
    morphAttrs(next.live, tree.attrs, next.attrs, next.src);
    patchChildren(tree, next, next.live, ctx);
    tree = next;
    return ctx;
  };

  const applyRender = (html) => {
    const next = parseSource(html);
    const anchor = captureAnchor();
    let ctx;
    try {
      ctx = applyTree(next);
    } catch (err) {
      // A half-applied patch leaves the tree and the document out of step.
      // Start again from an empty page (scripts will run again: better than
      // a page that no longer matches its source).
      reportError(`Loupe could not patch the page, rebuilding it: ${describe(err)}`);
      const live = tree.live;
      for (let c = firstChildOf(headOf(doc)); c !== null; ) {
        const n = nextSiblingOf(c);
        if (managed.has(c)) removeChild(headOf(doc), c);
        c = n;
      }
      for (let c = firstChildOf(bodyOf(doc)); c !== null; ) {
        const n = nextSiblingOf(c);
        removeChild(bodyOf(doc), c);
        c = n;
      }
      tree = emptyTree();
      tree.live = live;
      ctx = applyTree(parseSource(html));
    }
    // Scripts run after the whole document is in place, as if at the end
    // of parsing, so they can find every element they expect.
    runScripts(ctx.scripts);
    releaseSources(tree);
    if (ctx.scripts.length > 0) fireLoadEvents();
    restoreAnchor(anchor);
  };

  const flush = () => {
    if (frameId) cancelRaf(frameId);
    if (fallbackTimer) clearTimer(fallbackTimer);
    frameId = 0;
    fallbackTimer = 0;
    if (tree === null) return; // not started yet; start() flushes
    const job = pending;
    pending = null;
    if (job === null) return;
    try {
      applyRender(job.html);
    } catch (err) {
      reportError(`Loupe could not render the page: ${describe(err)}`);
    }
    const m = metrics();
    post({ type: 'rendered', rev: job.rev, scrollY: m.scrollY, scrollHeight: m.scrollHeight, viewportHeight: m.viewportHeight });
  };

  /**
   * Only the newest rev is applied, at the next animation frame. The timer
   * is a fallback for frames the browser is not painting (offscreen or in a
   * background tab), where requestAnimationFrame would wait indefinitely.
   */
  function requestRender(rev, html) {
    if (rev <= lastRev) return;
    lastRev = rev;
    pending = { rev, html };
    if (!frameId) frameId = raf(flush);
    if (!fallbackTimer) fallbackTimer = setTimer(flush, 250);
  }

  const start = () => {
    tree = emptyTree();
    if (typeof ResizeObserver === 'function') {
      // The page grows as its scripts and images settle; keep the app's
      // idea of scrollHeight current without waiting for a scroll.
      new ResizeObserver(reportScroll).observe(documentElementOf(doc));
    }
    post({ type: 'ready' });
    if (pending !== null) flush();
  };

  // This script runs in <head>: <body> does not exist until parsing ends.
  if (doc.readyState === 'loading') addListener(doc, 'DOMContentLoaded', start, { once: true });
  else start();
})();
