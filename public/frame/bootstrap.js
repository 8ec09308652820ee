/*
 * Loupe artifact frame bootstrap.
 *
 * Inlined into the document served at <sandboxOrigin>/frame (the sandbox CSP
 * allows only inline scripts), inside <iframe sandbox="allow-scripts">, so it
 * runs with an opaque origin and talks to the app only through postMessage.
 *
 * Jobs, in file order:
 *   1. capture the DOM primitives it needs before any artifact code can patch them;
 *   2. talk to the parent: validate `render` / `scrollTo` / `theme` / `pick` /
 *      `pins` / `focus-pin`, post `ready`, `rendered`, `scroll`, `open-link`,
 *      `error` (and the review messages of section 8);
 *   3. keep the frame from leaving: links, forms, navigations; and (3b) the
 *      realm guard: no WebRTC, no nested document, every shadow root seen;
 *   4. turn page source into a light tree ("vnodes") with content hashes;
 *   5. diff the previous tree against the new one and patch the live DOM
 *      through vnode.live, leaving nodes the artifact's scripts made alone;
 *   6. run new inline scripts once, in document order;
 *   7. keep the element at the top of the viewport where it was;
 *   8. review: an overlay the artifact cannot style, pick mode, text
 *      selection reports, comment pins and text highlights.
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
  // uncurryThis(fn)(self, ...args) is fn.call(self, ...args) through the
  // original `call`, bound now: later patches to the prototype or to
  // Function.prototype.call do not reach it, and it allocates nothing (this
  // runs for every node of every render).
  const uncurryThis = Function.prototype.bind.bind(Function.prototype.call);
  /** Detaches a method from its prototype, so later patches do not reach us. */
  const method = (proto, name) => uncurryThis(findDesc(proto, name).value);
  const getter = (proto, name) => uncurryThis(findDesc(proto, name).get);
  const setter = (proto, name) => uncurryThis(findDesc(proto, name).set);
  /** Swaps a built-in method for make(original), keeping its property flags. */
  const replaceMethod = (owner, name, make) => {
    const desc = getOwnDesc(owner, name);
    if (!desc || typeof desc.value !== 'function') return;
    defineProp(owner, name, {
      configurable: desc.configurable,
      enumerable: desc.enumerable,
      writable: desc.writable,
      value: make(desc.value),
    });
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
  const hasAttributes = method(ElementP, 'hasAttributes');
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
  const rectLeft = getter(DOMRectReadOnly.prototype, 'left');
  const rectRight = getter(DOMRectReadOnly.prototype, 'right');
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
  const getElementsByTagName = method(ElementP, 'getElementsByTagName');
  const collectionLength = getter(HTMLCollection.prototype, 'length');
  const collectionItem = method(HTMLCollection.prototype, 'item');
  const nodeListLength = getter(NodeList.prototype, 'length');
  const nodeListItem = method(NodeList.prototype, 'item');
  const MutationObserverCtor = MutationObserver;
  const observeMutations = method(MutationObserverCtor.prototype, 'observe');
  const recordAdded = getter(MutationRecord.prototype, 'addedNodes');

  // For review (section 8). attachShadow is captured before section 3 wraps it.
  const attachShadowNative = method(ElementP, 'attachShadow');
  const lastElementChildOf = getter(ElementP, 'lastElementChild');
  const previousElementSiblingOf = getter(ElementP, 'previousElementSibling');
  const clientWidthOf = getter(ElementP, 'clientWidth');
  const scrollIntoView = method(ElementP, 'scrollIntoView');
  const getElementsByTagNameDoc = method(DocumentP, 'getElementsByTagName');
  const querySelectorDoc = method(DocumentP, 'querySelector');
  const querySelectorAllDoc = method(DocumentP, 'querySelectorAll');
  const adoptedSheetsOf = getter(DocumentP, 'adoptedStyleSheets');
  const setAdoptedSheets = setter(DocumentP, 'adoptedStyleSheets');
  const RangeP = Range.prototype;
  const rangeSetStart = method(RangeP, 'setStart');
  const rangeSetEnd = method(RangeP, 'setEnd');
  const selectNodeContents = method(RangeP, 'selectNodeContents');
  const rangeText = method(RangeP, 'toString');
  const rangeRect = method(RangeP, 'getBoundingClientRect');
  const rangeCollapsed = getter(RangeP, 'collapsed');
  const rangeStartContainer = getter(RangeP, 'startContainer');
  const rangeStartOffset = getter(RangeP, 'startOffset');
  const rangeEndContainer = getter(RangeP, 'endContainer');
  const rangeEndOffset = getter(RangeP, 'endOffset');
  const rangeCommonAncestor = getter(RangeP, 'commonAncestorContainer');
  const selectionRangeCount = getter(Selection.prototype, 'rangeCount');
  const selectionRangeAt = method(Selection.prototype, 'getRangeAt');
  const shadowElementFromPoint = method(ShadowRoot.prototype, 'elementFromPoint');
  const shadowActiveElement = getter(ShadowRoot.prototype, 'activeElement');
  const uiEventDetail = getter(UIEvent.prototype, 'detail');
  const mouseClientX = getter(MouseEvent.prototype, 'clientX');
  const mouseClientY = getter(MouseEvent.prototype, 'clientY');
  const mediaMatches = getter(MediaQueryList.prototype, 'matches');
  const CSSStyleSheetCtor = CSSStyleSheet;
  const replaceSheetText = method(CSSStyleSheetCtor.prototype, 'replaceSync');
  const cssEscape = CSS.escape;
  // The CSS Custom Highlight API, where the browser has it.
  const HighlightCtor = typeof Highlight === 'function' ? Highlight : null;
  const highlightRegistry = HighlightCtor !== null && CSS.highlights ? CSS.highlights : null;
  const registrySet = highlightRegistry !== null ? method(getPrototypeOf(highlightRegistry), 'set') : null;
  const registryDelete = highlightRegistry !== null ? method(getPrototypeOf(highlightRegistry), 'delete') : null;

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
  const getSelectionFn = win.getSelection;
  const matchMediaFn = win.matchMedia;
  const scrollBy = (dx, dy) => apply(scrollByFn, win, [dx, dy]);
  const scrollTo = (options) => apply(scrollToFn, win, [options]);
  const computedStyle = (el) => apply(getComputedStyleFn, win, [el]);
  const computedPosition = (el) => computedStyle(el).position;
  const getSelection = () => apply(getSelectionFn, win, []);
  const prefersReducedMotion = () => mediaMatches(apply(matchMediaFn, win, ['(prefers-reduced-motion: reduce)']));
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
  // Review limits: the same as lib/sandbox/bridge.ts.
  const MAX_PINS = 2000;
  const MAX_PIN_ID = 100;
  const MAX_PIN_LABEL = 4;
  const MAX_TAG = 100;
  const MAX_SELECTOR = 1000;
  const MAX_QUOTE = 500;
  const MAX_CONTEXT = 64;
  const QUOTE_CHECK = 60;
  const MAX_ORDINAL = 1e8;
  const MAX_PIXELS = 1e9;
  const TAG_PATTERN = /^[a-z][^\s/>A-Z]*$/;
  const HEX_COLOR_PATTERN = /^#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/;

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

  /** While the bootstrap inserts an artifact script, its errors are collected here first. */
  let scriptErrorSink = null;

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
    } else if (type === 'pick') {
      if (typeof data.on !== 'boolean') return;
      if (data.on) startPicking();
      else stopPicking();
    } else if (type === 'pins') {
      const list = readPins(data.pins);
      if (list !== null) setPins(list);
    } else if (type === 'focus-pin') {
      if (!isBoundedString(data.id, 1, MAX_PIN_ID)) return;
      focusPin(data.id);
    }
  };

  // Registered first and in the capture phase, so these run before anything
  // an artifact registers on window.
  addListener(win, 'message', onMessage, true);
  const eventTarget = getter(EventP, 'target');
  // Capturing on window also sees scrolls of inner boxes: only the page's own
  // count as scrolling, but an inner box moves the pins drawn over it.
  addListener(
    win,
    'scroll',
    (event) => {
      if (eventTarget(event) === doc) {
        reportScroll();
        onPageScrolled();
      } else {
        scheduleOverlayLayout();
      }
    },
    { capture: true, passive: true },
  );
  addListener(
    win,
    'resize',
    () => {
      reportScroll();
      scheduleOverlayLayout();
    },
    { passive: true },
  );
  // Input for the overlay and for pick mode (section 8), ahead of the link
  // and form handling below: these must be able to stop an event before it
  // activates anything.
  const GUARDED_INPUT = ['click', 'auxclick', 'dblclick', 'contextmenu', 'mousedown', 'mouseup', 'pointerdown', 'pointerup', 'keydown', 'keyup', 'keypress'];
  for (let i = 0; i < GUARDED_INPUT.length; i++) addListener(win, GUARDED_INPUT[i], onGuardedInput, true);
  addListener(win, 'pointermove', onPickPointerMove, { capture: true, passive: true });
  addListener(doc, 'selectionchange', onSelectionChange, { passive: true });
  addListener(
    win,
    'error',
    (event) => {
      // Resource load failures are plain Events; only script errors matter.
      if (!(event instanceof ErrorEventCtor)) return;
      const where = event.lineno ? ` (line ${event.lineno}:${event.colno})` : '';
      const text = `${event.message || describe(event.error)}${where}`;
      if (scriptErrorSink !== null) scriptErrorSink.push(text);
      else reportError(text);
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
  // 3. No way out: links, forms, navigations
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

  const globalEval = win.eval;
  const runJavascriptUrl = (raw) => {
    let code = raw.slice(raw.indexOf(':') + 1);
    try {
      code = decodeURIComponent(code);
    } catch (_) {
      // Malformed escapes: run it as written, as browsers do.
    }
    try {
      globalEval(code); // indirect eval: global scope
    } catch (err) {
      reportError(describe(err));
    }
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
    if (url.protocol === 'javascript:') {
      // Chromium does not run javascript: URLs in an opaque-origin frame.
      // A standalone page would, and it is only code the page could run
      // anyway, so run it the way the browser would: globally, result unused.
      preventDefault(event);
      runJavascriptUrl(raw);
      return;
    }
    // Same-document fragment links scroll within the page: let them.
    if (raw.indexOf('#') >= 0 && withoutHash(url.href) === withoutHash(locationHref())) return;
    preventDefault(event);
    // Links back into the sandbox origin mean nothing outside the frame.
    // Only a person's click asks the app to open a tab (the app checks activation too).
    if (event.isTrusted && LINK_PROTOCOLS[url.protocol] === true && url.origin !== OWN_ORIGIN && url.href.length <= MAX_HREF) {
      post({ type: 'open-link', href: url.href });
    }
  };
  addListener(win, 'click', onLinkActivation, true);
  addListener(win, 'auxclick', onLinkActivation, true);

  // Forms. With no allow-forms, Chromium drops a submission before the
  // `submit` event fires, so a form handled in script (a filter box, a
  // calculator) would never hear of it. Emulate the event: after a click on
  // a submit button that the page did not cancel (Enter in a field clicks
  // the default button too), and on requestSubmit(), validate and fire
  // `submit`. Nothing is ever sent: the browser's own submission stays
  // blocked by the sandbox and by form-action 'none'.
  const SubmitEventCtor = typeof SubmitEvent === 'function' ? SubmitEvent : EventCtor;
  const defaultPrevented = getter(EventP, 'defaultPrevented');
  const buttonType = getter(HTMLButtonElement.prototype, 'type');
  const buttonForm = getter(HTMLButtonElement.prototype, 'form');
  const buttonNoValidate = getter(HTMLButtonElement.prototype, 'formNoValidate');
  const inputType = getter(HTMLInputElement.prototype, 'type');
  const inputForm = getter(HTMLInputElement.prototype, 'form');
  const inputNoValidate = getter(HTMLInputElement.prototype, 'formNoValidate');
  const formNoValidate = getter(HTMLFormElement.prototype, 'noValidate');
  const reportValidity = method(HTMLFormElement.prototype, 'reportValidity');
  const isButton = (el) => el instanceof HTMLButtonElement;
  const isInput = (el) => el instanceof HTMLInputElement;

  const fireSubmit = (form, submitter) => {
    const skipValidation =
      formNoValidate(form) ||
      (submitter !== null && (isButton(submitter) ? buttonNoValidate(submitter) : inputNoValidate(submitter)));
    if (!skipValidation && !reportValidity(form)) return;
    dispatch(form, new SubmitEventCtor('submit', { bubbles: true, cancelable: true, submitter }));
  };
  /** The form a control submits, if it is a submit button. */
  const submitsForm = (el) => {
    if (isButton(el)) return buttonType(el) === 'submit' ? buttonForm(el) : null;
    if (isInput(el)) return inputType(el) === 'submit' || inputType(el) === 'image' ? inputForm(el) : null;
    return null;
  };
  const onSubmitterClick = (event) => {
    const path = composedPath(event);
    for (let i = 0; i < path.length; i++) {
      const el = path[i];
      if (!isButton(el) && !isInput(el)) continue;
      const form = submitsForm(el);
      // Only the innermost control counts; a task later, every listener has
      // had its say on whether this click submits.
      if (form !== null) setTimer(() => defaultPrevented(event) || fireSubmit(form, el), 0);
      return;
    }
  };
  addListener(win, 'click', onSubmitterClick, true);

  // Enter in a field of a form with a submit button clicks that button (see
  // above). Without one, the HTML spec submits the form directly, provided it
  // has at most one field of the kinds below.
  const IMPLICIT_SUBMIT_TYPES = ['text', 'search', 'url', 'tel', 'email', 'password', 'date', 'month', 'week', 'time', 'datetime-local', 'number'];
  const formElements = getter(HTMLFormElement.prototype, 'elements');
  const controlsLength = getter(HTMLCollection.prototype, 'length');
  const eventKey = getter(KeyboardEvent.prototype, 'key');
  const submitsWithoutButton = (form) => {
    const controls = formElements(form);
    let fields = 0;
    for (let i = 0; i < controlsLength(controls); i++) {
      const el = collectionItem(controls, i);
      if (submitsForm(el) === form) return false;
      if (isInput(el) && IMPLICIT_SUBMIT_TYPES.indexOf(inputType(el)) >= 0) fields++;
    }
    return fields <= 1;
  };
  addListener(
    win,
    'keydown',
    (event) => {
      const el = composedPath(event)[0];
      if (eventKey(event) !== 'Enter' || !isInput(el) || IMPLICIT_SUBMIT_TYPES.indexOf(inputType(el)) < 0) return;
      const form = inputForm(el);
      if (form !== null && submitsWithoutButton(form)) setTimer(() => defaultPrevented(event) || fireSubmit(form, null), 0);
    },
    true,
  );
  replaceMethod(HTMLFormElement.prototype, 'requestSubmit', () =>
    function requestSubmit(submitter) {
      fireSubmit(this, submitter === undefined ? null : submitter);
    });

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

  // ---------------------------------------------------------------------------
  // 3b. The realm guard: no peer connection, no nested document
  // ---------------------------------------------------------------------------
  //
  // WebRTC's ICE traffic (STUN/TURN, UDP or TCP) ignores CSP, and Chromium
  // honours no `webrtc` CSP directive (checked against Debian's Chromium 156:
  // `webrtc 'block'` changes nothing), so any realm that holds
  // RTCPeerConnection can reach any host. This realm loses it below. A nested
  // browsing context (<iframe srcdoc>, an about:blank or javascript: frame,
  // <object>, at any depth) would bring a fresh realm with its own, in a new
  // opaque origin we cannot reach into, so its globals cannot be patched from
  // here; CSP frame-src / object-src 'none' stop URLs, not those. So no
  // nested browsing context may live long enough to run a script.
  //
  // One MutationObserver watches every tree of the document: the document
  // and every shadow root. It removes each frame-like element at the
  // microtask checkpoint right after the script that inserted it; a child
  // document commits a task later at the earliest, and until then the child
  // holds only its initial about:blank, which has no script and is
  // cross-origin to us. That holds only while every tree is observed, so
  // every shadow root is made where the guard sees it: attachShadow is
  // wrapped (and its roots are not clonable: a clone's root would be made
  // out of sight), and every parser that would build shadow roots natively
  // (declarative shadow DOM: the page's own parser behind Document.prototype
  // open/write, setHTMLUnsafe, parseHTMLUnsafe, setHTML, parseHTML, XSLT)
  // is replaced by one that builds them through attachShadow, or builds none.
  // The replacements sit on the prototypes and constructors, so calling a
  // method through the prototype (`Document.prototype.write.call(document)`)
  // meets them too. No same-origin realm exists from which a page could take
  // an unpatched copy: every other realm would be a nested one.
  //
  // REALM_GUARD is false only in the e2e harness's unguarded control, which
  // rewrites this line in its own copy of the source to show that a hostile
  // payload does reach the network without this section; the production
  // sandbox server serves the file as it is, and page code cannot change a
  // constant in this closure.
  const REALM_GUARD = true;

  if (REALM_GUARD) {
    // Every RTC* interface, not a list of the ones known to open sockets.
    const names = Object.getOwnPropertyNames(win);
    for (let i = 0; i < names.length; i++) {
      if (!/^(?:webkit)?RTC/.test(names[i])) continue;
      try {
        delete win[names[i]];
      } catch (_) {
        // Non-configurable in some engine: nothing more to do from script.
      }
    }
    // XSLT's HTML output parser builds declarative shadow roots we cannot
    // see, and Chromium is retiring XSLT from the web platform.
    try {
      delete win.XSLTProcessor;
    } catch (_) {
      // As above.
    }
  }

  const FRAME_TAGS = ['iframe', 'frame', 'object', 'embed', 'fencedframe', 'portal'];
  const isFrameElement = (el) => FRAME_TAGS.indexOf(localNameOf(el)) >= 0 && namespaceOf(el) === HTML_NS;
  const removeNestedFrame = (el) => {
    const parent = parentOf(el);
    if (parent !== null) removeChild(parent, el);
    reportError(`Removed a nested <${localNameOf(el)}>: artifacts cannot embed other documents.`);
  };
  const removeNestedFrames = (node) => {
    if (nodeType(node) !== 1) return;
    if (isFrameElement(node)) {
      removeNestedFrame(node);
      return;
    }
    const found = [];
    for (let t = 0; t < FRAME_TAGS.length; t++) {
      const live = getElementsByTagName(node, FRAME_TAGS[t]);
      for (let i = 0; i < collectionLength(live); i++) found.push(collectionItem(live, i));
    }
    for (let i = 0; i < found.length; i++) if (isFrameElement(found[i])) removeNestedFrame(found[i]);
  };
  const frameGuard = new MutationObserverCtor((records) => {
    for (let r = 0; r < records.length; r++) {
      const added = recordAdded(records[r]);
      for (let i = 0; i < nodeListLength(added); i++) removeNestedFrames(nodeListItem(added, i));
    }
  });
  const guardTree = (root) => {
    if (REALM_GUARD) observeMutations(frameGuard, root, { childList: true, subtree: true });
  };
  guardTree(doc);

  /** attachShadow as the guard wants it: never clonable, always observed. */
  const attachShadowGuarded = (host, init) => {
    const options = init !== null && typeof init === 'object' ? Object.create(init, { clonable: { value: false } }) : init;
    const root = attachShadowNative(host, options);
    guardTree(root);
    return root;
  };

  // Declarative shadow DOM, built where the guard sees it. The parsers used
  // below (innerHTML, DOMParser, createContextualFragment) leave
  // <template shadowrootmode> as a plain template; this turns each one into
  // a shadow root of its parent through attachShadowGuarded, as the native
  // parser would have (a host that already has a root keeps the template as
  // a template, as there).
  const templateContent = getter(HTMLTemplateElement.prototype, 'content');
  const hasAttribute = method(ElementP, 'hasAttribute');
  const declarativeMode = (el) => {
    if (localNameOf(el) !== 'template' || namespaceOf(el) !== HTML_NS) return null;
    const mode = (getAttribute(el, 'shadowrootmode') || '').toLowerCase();
    return mode === 'open' || mode === 'closed' ? mode : null;
  };
  /** Hosts whose root a declarative template made: a render that changes the template refills it. */
  const declarativeRoots = new WeakMap();
  /**
   * Makes `template`'s shadow root on its parent. With `keep`, the template
   * stays in place and its content is copied (renders track the template as
   * a source node); otherwise its content moves in and it is removed.
   */
  const declareShadowRoot = (template, mode, keep) => {
    const host = parentOf(template);
    if (host === null || nodeType(host) !== 1) return;
    let root = keep ? declarativeRoots.get(host) : undefined;
    if (root !== undefined) {
      for (let c = firstChildOf(root); c !== null; c = firstChildOf(root)) removeChild(root, c);
    } else {
      try {
        root = attachShadowGuarded(host, {
          mode,
          delegatesFocus: hasAttribute(template, 'shadowrootdelegatesfocus'),
          serializable: hasAttribute(template, 'shadowrootserializable'),
        });
      } catch (_) {
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
  const materializeShadowRoots = (node) => {
    const templates = [];
    const walk = (n) => {
      for (let c = firstChildOf(n); c !== null; c = nextSiblingOf(c)) {
        if (nodeType(c) !== 1) continue;
        if (declarativeMode(c) !== null) templates.push(c);
        walk(c);
      }
    };
    walk(node);
    for (let i = 0; i < templates.length; i++) declareShadowRoot(templates[i], declarativeMode(templates[i]), false);
  };

  if (REALM_GUARD) {
    replaceMethod(ElementP, 'attachShadow', () =>
      function attachShadow(init) {
        return attachShadowGuarded(this, init);
      });

    const elementInnerHTML = setter(ElementP, 'innerHTML');
    const isTemplate = (el) => localNameOf(el) === 'template' && namespaceOf(el) === HTML_NS;
    // The sanitizer option of setHTMLUnsafe is not applied: the page could
    // run anything it parses anyway.
    replaceMethod(ElementP, 'setHTMLUnsafe', () =>
      function setHTMLUnsafe(html) {
        elementInnerHTML(this, String(html));
        materializeShadowRoots(isTemplate(this) ? templateContent(this) : this);
      });
    const shadowInnerHTML = setter(ShadowRoot.prototype, 'innerHTML');
    replaceMethod(ShadowRoot.prototype, 'setHTMLUnsafe', () =>
      function setHTMLUnsafe(html) {
        shadowInnerHTML(this, String(html));
        materializeShadowRoots(this);
      });
    replaceMethod(Document, 'parseHTMLUnsafe', () =>
      function parseHTMLUnsafe(html) {
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
    const withoutDeclarative = (html) => String(html).replace(DECLARATIVE, 'data-shadowrootmode');
    const sanitizingSetter = (original) =>
      function setHTML(html, options) {
        return apply(original, this, arguments.length > 1 ? [withoutDeclarative(html), options] : [withoutDeclarative(html)]);
      };
    replaceMethod(ElementP, 'setHTML', sanitizingSetter);
    replaceMethod(ShadowRoot.prototype, 'setHTML', sanitizingSetter);
    replaceMethod(Document, 'parseHTML', (original) =>
      function parseHTML(html, options) {
        return apply(original, this, arguments.length > 1 ? [withoutDeclarative(html), options] : [withoutDeclarative(html)]);
      });
  }

  // ---------------------------------------------------------------------------
  // 4. Page source → vnodes
  // ---------------------------------------------------------------------------
  //
  // vnode: { kind: 1|3|8, ns, name, id, attrs: [{ns, local, qname, value}],
  //          text, children, atomic, hash, src, live, sample, shapeKey }
  //   hash   content hash of the whole subtree: equal hash = identical subtree
  //   src    the parsed node, only during the render that created the vnode
  //   live   the node in the live document built for it
  //   sample, shapeKey  computed on demand when pairing edited siblings
  // Building runs over every node of every render, so it does no string
  // building: hashes are mixed as numbers.

  /** 53-bit string hash (cyrb53): fast, and collisions are out of reach for page-sized inputs. */
  const hashString = (str, seed) => {
    let h1 = 0xdeadbeef ^ seed;
    let h2 = 0x41c6ce57 ^ seed;
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

  /** Ordered combination of 53-bit hashes, same mixing as hashString. */
  const newMix = (seed) => ({ h1: 0xdeadbeef ^ seed, h2: 0x41c6ce57 ^ seed });
  const mixIn = (m, n) => {
    const lo = n >>> 0;
    const hi = (n / 4294967296) >>> 0;
    m.h1 = imul(imul(m.h1 ^ lo, 2654435761) ^ hi, 2654435761);
    m.h2 = imul(imul(m.h2 ^ lo, 1597334677) ^ hi, 1597334677);
  };
  const mixOut = (m) => {
    let h1 = m.h1;
    let h2 = m.h2;
    h1 = imul(h1 ^ (h1 >>> 16), 2246822507);
    h1 ^= imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = imul(h2 ^ (h2 >>> 16), 2246822507);
    h2 ^= imul(h1 ^ (h1 >>> 13), 3266489909);
    return 4294967296 * (2097151 & h2) + (h1 >>> 0);
  };

  const SEED_TEXT = 1;
  const SEED_COMMENT = 2;
  const SEED_ELEMENT = 3;
  const SEED_NAME = 4;
  const SEED_ATTR = 5;
  const SEED_SOURCE = 6;

  // Element names repeat endlessly; hash each (namespace, name) once.
  const nameHashes = new Map();
  const nameHash = (ns, name) => {
    let byNs = nameHashes.get(name);
    if (byNs === undefined) {
      byNs = new Map();
      nameHashes.set(name, byNs);
    }
    let h = byNs.get(ns);
    if (h === undefined) {
      h = hashString(`${ns}|${name}`, SEED_NAME);
      byNs.set(ns, h);
    }
    return h;
  };

  const LINK_HINTS = ['preconnect', 'prefetch', 'prerender', 'dns-prefetch', 'preload', 'modulepreload'];

  /** Elements that would act on insertion in ways the sandbox must not allow. */
  const isNeutralised = (el, name) => {
    switch (name) {
      // <base> would redirect every relative URL; <noscript> was parsed with
      // scripting off, so its content is markup that must not show; nested
      // browsing contexts: see the realm guard (3b).
      case 'base':
      case 'noscript':
      case 'iframe':
      case 'frame':
      case 'object':
      case 'embed':
      case 'fencedframe':
      case 'portal':
        return namespaceOf(el) === HTML_NS;
      case 'meta': {
        const equiv = getAttribute(el, 'http-equiv');
        return equiv !== null && equiv.trim().toLowerCase() === 'refresh';
      }
      case 'link': {
        const rel = (getAttribute(el, 'rel') || '').toLowerCase().split(/\s+/);
        for (let i = 0; i < rel.length; i++) if (LINK_HINTS.indexOf(rel[i]) >= 0) return true;
        return false;
      }
      case 'script':
        return (getAttribute(el, 'type') || '').trim().toLowerCase() === 'speculationrules';
      default:
        return false;
    }
  };

  const newVnode = (kind, src) => ({
    kind,
    ns: null,
    name: '',
    id: '',
    attrs: null,
    text: '',
    children: null,
    atomic: false,
    hash: 0,
    src,
    live: null,
    sample: null,
    shapeKey: null,
  });

  const buildVnode = (node) => {
    const type = nodeType(node);
    if (type === 3 || type === 8) {
      const v = newVnode(type, node);
      v.text = getData(node);
      v.hash = hashString(v.text, type === 3 ? SEED_TEXT : SEED_COMMENT);
      return v;
    }
    if (type !== 1) return null;
    const name = localNameOf(node);
    if (isNeutralised(node, name)) return null;
    const v = newVnode(1, node);
    v.ns = namespaceOf(node);
    v.name = name;
    const mix = newMix(SEED_ELEMENT);
    mixIn(mix, nameHash(v.ns, name));
    // Most elements have no attributes; skip creating their NamedNodeMap.
    const map = hasAttributes(node) ? attributesOf(node) : null;
    const count = map === null ? 0 : attrCount(map);
    v.attrs = new Array(count);
    for (let i = 0; i < count; i++) {
      const a = attrAt(map, i);
      const attr = { ns: attrNamespace(a), local: attrLocalName(a), qname: attrName(a), value: attrValue(a) };
      v.attrs[i] = attr;
      if (attr.local === 'id' && attr.ns === null) v.id = attr.value;
      mixIn(mix, hashString(attr.qname, SEED_ATTR));
      mixIn(mix, hashString(attr.value, SEED_ATTR));
    }
    if (name === 'script' || name === 'template') {
      // Never morphed: a changed script is replaced (and so runs once); a
      // template's content lives outside its children.
      v.atomic = true;
      v.text = name === 'script' ? getTextContent(node) : getInnerHTML(node);
      mixIn(mix, hashString(v.text, SEED_SOURCE));
      v.children = [];
      v.hash = mixOut(mix);
      return v;
    }
    v.children = [];
    for (let c = firstChildOf(node); c !== null; c = nextSiblingOf(c)) {
      const cv = buildVnode(c);
      if (cv === null) continue;
      v.children.push(cv);
      mixIn(mix, cv.hash);
    }
    v.hash = mixOut(mix);
    return v;
  };

  const parseSource = (html) => {
    const parsed = parseFromString(parser, html, 'text/html');
    return buildVnode(documentElementOf(parsed));
  };

  /** Drops parsed-node references once a render is done, so old parses can be collected. */
  const releaseSources = (v) => {
    if (v.src === null) return; // kept from an earlier render: already released
    v.src = null;
    if (v.children !== null) for (let i = 0; i < v.children.length; i++) releaseSources(v.children[i]);
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

  const SAMPLE = 48;

  /** The first and last characters of a vnode's text, to tell edited siblings apart. */
  const sampleOf = (v) => {
    if (v.sample !== null) return v.sample;
    let head = '';
    let tail = '';
    if (v.kind !== 1 || v.atomic) {
      head = v.text.slice(0, SAMPLE);
      tail = v.text.slice(-SAMPLE);
    } else {
      const kids = v.children;
      for (let i = 0; i < kids.length && head.length < SAMPLE; i++) head += sampleOf(kids[i]).head;
      for (let i = kids.length - 1; i >= 0 && tail.length < SAMPLE; i--) tail = sampleOf(kids[i]).tail + tail;
      head = head.slice(0, SAMPLE);
      tail = tail.slice(-SAMPLE);
    }
    v.sample = { head, tail };
    return v.sample;
  };

  /**
   * What may be morphed into what: an element into one with the same name
   * and id, text into text, a comment into a comment. Scripts and templates
   * never ('').
   */
  const shapeOf = (v) => {
    if (v.shapeKey === null) {
      if (v.kind === 3) v.shapeKey = '#text';
      else if (v.kind === 8) v.shapeKey = '#comment';
      else v.shapeKey = v.atomic ? '' : `${v.ns}|${v.name}#${v.id}`;
    }
    return v.shapeKey;
  };

  /** 0..1: how alike two siblings read, from their first and last characters. */
  const similarity = (vx, vy) => {
    const x = sampleOf(vx);
    const y = sampleOf(vy);
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
  const pairable = (x, y) => shapeOf(x) !== '' && shapeOf(x) === shapeOf(y);
  const pairGap = (a, ai, b, bj, matchOf) => {
    const n = ai.length;
    const m = bj.length;
    if (n === 0 || m === 0) return;
    if (n * m > WEIGHTED_LIMIT) {
      const aKeys = ai.map((i) => shapeOf(a[i]) || `\u0000${i}`);
      const bKeys = bj.map((j) => shapeOf(b[j]) || `\u0001${j}`);
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
        if (pairable(x, y)) best = max(best, score[(i + 1) * w + j + 1] + 1 + similarity(x, y));
        score[i * w + j] = best;
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      const x = a[ai[i]];
      const y = b[bj[j]];
      const here = score[i * w + j];
      if (pairable(x, y) && here === score[(i + 1) * w + j + 1] + 1 + similarity(x, y)) {
        matchOf[bj[j]] = ai[i];
        i++;
        j++;
      } else if (here === score[(i + 1) * w + j]) i++;
      else j++;
    }
  };

  /**
   * Per render: the new inline scripts, in document order, to run once the
   * DOM is in place, and the new declarative shadow templates, to turn into
   * shadow roots before they run.
   */
  const newRenderContext = () => ({ scripts: [], shadowTemplates: [] });

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

  /**
   * Points vnode v and its descendants at `live`, a deep copy of v.src. The
   * copy also holds the parsed nodes the vnode tree left out (neutralised
   * elements): those are dropped here. Inline scripts are queued to run.
   */
  const adoptCopy = (v, live, ctx) => {
    v.live = live;
    managed.add(live);
    if (v.kind !== 1) return;
    if (v.name === 'script') {
      // The copy of a parsed <script> is marked "already started", so it
      // stays inert. Inline ones are run later, in order, by a fresh element;
      // external ones stay inert for good (CSP would block them anyway).
      if (getAttribute(live, 'src') === null) ctx.scripts.push(v);
      return;
    }
    if (v.atomic) {
      if (declarativeMode(live) !== null) ctx.shadowTemplates.push(v);
      return;
    }
    const kids = v.children;
    let k = 0;
    let src = firstChildOf(v.src);
    let copy = firstChildOf(live);
    while (copy !== null) {
      const nextCopy = nextSiblingOf(copy);
      if (k < kids.length && kids[k].src === src) adoptCopy(kids[k++], copy, ctx);
      else removeChild(live, copy);
      src = nextSiblingOf(src);
      copy = nextCopy;
    }
  };

  /**
   * Creates the live subtree for a new vnode: one native deep copy (much
   * cheaper than a node at a time), then a walk to map vnodes onto it.
   * importNode keeps attribute names the parser allowed and setAttribute
   * would refuse (`@click`).
   */
  const buildLive = (v, ctx) => {
    const live = importNode(doc, v.src, true);
    adoptCopy(v, live, ctx);
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

  /**
   * Swaps `placeholder` for a new script element with `text`, which runs on
   * insertion (unlike parser-made ones). Its errors arrive synchronously as
   * window `error` events, not as exceptions here; they are returned.
   */
  const executeScript = (v, placeholder, text) => {
    const fresh = createElementNS(doc, v.ns, 'script');
    for (let i = 0; i < v.attrs.length; i++) setAttr(fresh, v.attrs[i], v.src);
    setTextContent(fresh, text);
    v.live = fresh;
    managed.add(fresh);
    const errors = [];
    scriptErrorSink = errors;
    try {
      replaceChild(parentOf(placeholder), fresh, placeholder);
    } finally {
      scriptErrorSink = null;
    }
    return errors;
  };

  // Chromium, Firefox and Safari wordings of "top-level let/const/class
  // declared twice".
  const REDECLARED = /already been declared|redeclaration of|duplicate variable/i;

  const runScripts = (scripts) => {
    for (let k = 0; k < scripts.length; k++) {
      const v = scripts[k];
      if (parentOf(v.live) === null) continue;
      let errors = executeScript(v, v.live, v.text);
      // A changed script that runs again redeclares its own top-level
      // const/let/class (so does a new script reusing another's names). That SyntaxError is raised before any statement
      // runs, so running it once more inside a block is safe, and is the
      // closest we can get to the fresh global scope a reload would give.
      const type = (getAttribute(v.live, 'type') || '').trim().toLowerCase();
      if (errors.length === 1 && REDECLARED.test(errors[0]) && type !== 'module') {
        errors = executeScript(v, v.live, `{\n${v.text}\n}`);
      }
      for (let i = 0; i < errors.length; i++) reportError(errors[i]);
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
  // included, and write() implies open(); and the page's own parser builds
  // declarative shadow roots the realm guard (3b) would not see. Emulate the
  // parser instead: what a running script writes goes in right after that
  // script. The emulation replaces the methods on Document.prototype, so
  // `Document.prototype.write.call(document, …)` meets it too. Other
  // documents (createHTMLDocument, DOMParser) keep the native methods: they
  // have no browsing context, and their parser builds no shadow roots.
  const lastWritten = new WeakMap();
  const writeHtml = (html) => {
    const script = currentScriptOf(doc);
    const parent = script ? parentOf(script) : null;
    if (parent === null) return;
    const range = createRange(doc);
    selectNode(range, script);
    const fragment = createContextualFragment(range, html);
    materializeShadowRoots(fragment);
    const last = lastChildOf(fragment);
    const after = lastWritten.get(script);
    const anchor = after && parentOf(after) === parent ? after : script;
    insertBefore(parent, fragment, nextSiblingOf(anchor));
    if (last) lastWritten.set(script, last);
  };
  const ownDocument = (name, ours) =>
    replaceMethod(DocumentP, name, (original) => ({
      [name](...args) {
        return this === doc ? ours(args) : apply(original, this, args);
      },
    })[name]);
  ownDocument('write', (parts) => writeHtml(parts.join('')));
  ownDocument('writeln', (parts) => writeHtml(`${parts.join('')}\n`));
  ownDocument('open', () => doc);
  ownDocument('close', () => undefined);

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
  // 8. Review: the overlay, pick mode, text selection, pins
  // ---------------------------------------------------------------------------
  //
  // Everything a reviewer sees is drawn in one host element appended to
  // <html>, with a closed shadow root: the artifact's styles do not reach in,
  // its scripts cannot get at the root, and its own elements are never
  // touched (no classes, no outlines). The morph only ever touches nodes it
  // built from source, so it leaves the host alone; if the artifact removes
  // it, the next render or layout puts it back. Input aimed at the host is
  // handled on window, before any listener the artifact can register, and
  // stopped there: the artifact never sees a click on a pin.
  //
  // Text highlights use the CSS Custom Highlight API (ranges, no DOM
  // changes), coloured by a constructed stylesheet adopted by the document.

  const OVERLAY_TAG = 'loupe-overlay';
  // Inline and !important: a style attribute outranks every author rule,
  // important ones in cascade layers included. `all` also resets what the
  // shadow tree would inherit.
  const HOST_STYLE =
    'all:initial!important;display:block!important;position:absolute!important;top:0!important;' +
    'left:0!important;width:0!important;height:0!important;overflow:visible!important;' +
    'z-index:2147483647!important;pointer-events:none!important;visibility:visible!important;';
  const PIN_SIZE = 22;
  const PIN_GAP = 4;
  const FLASH_MS = 1400;
  const PICK_COLOR = 'rgb(37, 99, 235)';
  const OVERLAY_CSS = `
    [hidden] { display: none !important; }
    .pin {
      position: absolute; box-sizing: border-box; min-width: ${PIN_SIZE}px; height: ${PIN_SIZE}px;
      margin: 0; padding: 0 4px; border: 2px solid rgb(255, 255, 255); border-radius: ${PIN_SIZE / 2}px;
      background: var(--pin-color); color: var(--pin-ink);
      font: 700 11px/18px system-ui, -apple-system, "Segoe UI", sans-serif; text-align: center;
      white-space: nowrap; cursor: pointer; pointer-events: auto; appearance: none; user-select: none;
      box-shadow: 0 1px 3px rgba(0, 0, 0, 0.4);
    }
    .pin[data-state="changed"]::after {
      content: ''; position: absolute; top: -4px; right: -4px; width: 7px; height: 7px;
      border: 1.5px solid rgb(255, 255, 255); border-radius: 50%; background: rgb(245, 158, 11);
    }
    .pin.active { outline: 3px solid var(--pin-color); outline-offset: 2px; }
    .pin:focus-visible { outline: 3px solid ${PICK_COLOR}; outline-offset: 2px; }
    .pick {
      position: absolute; box-sizing: border-box; border: 2px solid ${PICK_COLOR};
      background: rgba(37, 99, 235, 0.12); border-radius: 3px; pointer-events: none;
    }
    .pick-label {
      position: absolute; left: -2px; bottom: 100%; margin-bottom: 2px; padding: 1px 6px;
      border-radius: 3px; background: ${PICK_COLOR}; color: rgb(255, 255, 255);
      font: 600 11px/16px ui-monospace, SFMono-Regular, Menlo, monospace; white-space: nowrap;
    }
    .pick.label-inside .pick-label { bottom: auto; top: 0; left: 0; margin: 0; }
    .flash {
      position: absolute; box-sizing: border-box; border: 3px solid rgb(245, 158, 11);
      border-radius: 4px; pointer-events: none; animation: loupe-flash ${FLASH_MS}ms ease-out forwards;
    }
    @keyframes loupe-flash { 0%, 50% { opacity: 1; } 100% { opacity: 0; } }
    @media (prefers-reduced-motion: reduce) { .flash { animation: none; } }
  `;
  // While picking: a crosshair everywhere, and no text selection by dragging.
  const PICK_CSS = '*,*::before,*::after{cursor:crosshair!important;user-select:none!important;-webkit-user-select:none!important}';

  let overlayHost = null;
  let overlayRoot = null;
  let pinLayer = null;
  let pickBox = null;
  let pickLabel = null;
  let reviewSheet = null;
  let reviewSheetText = null;
  let highlightCss = '';

  const makeOverlayElement = (name, className, parent) => {
    const el = createElementNS(doc, HTML_NS, name);
    if (className) setAttributeNS(el, null, 'class', className);
    appendChild(parent, el);
    return el;
  };

  const setAttrIfChanged = (el, name, value) => {
    if (getAttribute(el, name) !== value) setAttributeNS(el, null, name, value);
  };

  const setHidden = (el, hidden) => {
    if (hidden) setAttrIfChanged(el, 'hidden', '');
    else removeAttributeNS(el, null, 'hidden');
  };

  /** Made once, before any artifact code runs, so the page cannot define the element first. */
  const createOverlay = () => {
    overlayHost = createElementNS(doc, HTML_NS, OVERLAY_TAG);
    overlayRoot = attachShadowNative(overlayHost, { mode: 'closed' });
    setTextContent(makeOverlayElement('style', '', overlayRoot), OVERLAY_CSS);
    pinLayer = makeOverlayElement('div', '', overlayRoot);
    pickBox = makeOverlayElement('div', 'pick', overlayRoot);
    pickLabel = makeOverlayElement('span', 'pick-label', pickBox);
    setHidden(pickBox, true);
    reviewSheet = new CSSStyleSheetCtor();
    ensureOverlay();
  };

  /** The constructed sheet holds the highlight colours, and the crosshair while picking. */
  const applyReviewSheet = () => {
    const text = (isPicking ? PICK_CSS : '') + highlightCss;
    if (text !== reviewSheetText) {
      replaceSheetText(reviewSheet, text);
      reviewSheetText = text;
    }
    const sheets = adoptedSheetsOf(doc);
    if (sheets.indexOf(reviewSheet) < 0) setAdoptedSheets(doc, [...sheets, reviewSheet]);
  };

  /** Puts the host back (and its style) if the artifact removed or restyled it. */
  const ensureOverlay = () => {
    if (overlayHost === null) return;
    setAttrIfChanged(overlayHost, 'style', HOST_STYLE);
    const root = documentElementOf(doc);
    if (root !== null && parentOf(overlayHost) !== root) appendChild(root, overlayHost);
    applyReviewSheet();
  };

  const clampCoordinate = (n) => (n === n ? max(-MAX_PIXELS, min(MAX_PIXELS, n)) : 0);
  const clampSize = (n) => (n === n ? max(0, min(MAX_PIXELS, n)) : 0);
  const viewportRect = (r) => ({
    x: clampCoordinate(rectLeft(r)),
    y: clampCoordinate(rectTop(r)),
    width: clampSize(rectWidth(r)),
    height: clampSize(rectHeight(r)),
  });

  /** A box in the overlay's coordinates (the host sits at the document origin, wherever CSS puts it). */
  const overlayBoxStyle = (r, origin, pad) =>
    `left:${rectLeft(r) - rectLeft(origin) - pad}px;top:${rectTop(r) - rectTop(origin) - pad}px;` +
    `width:${rectWidth(r) + 2 * pad}px;height:${rectHeight(r) + 2 * pad}px`;

  // ---- naming elements: tag, ordinal, selector, quote ----

  const WHITESPACE_RUN = /\s+/g;
  const REGEXP_SPECIAL = /[.*+?^${}()|[\]\\]/g;
  const collapse = (text) => text.replace(WHITESPACE_RUN, ' ');
  /** The first n UTF-16 units of text, never ending inside a surrogate pair. */
  const clipHead = (text, n) => {
    if (text.length <= n) return text;
    const last = text.charCodeAt(n - 1);
    return text.slice(0, last >= 0xd800 && last <= 0xdbff ? n - 1 : n);
  };
  /** The last n UTF-16 units of text, never starting inside a surrogate pair. */
  const clipTail = (text, n) => {
    if (text.length <= n) return text;
    const first = text.charCodeAt(text.length - n);
    return text.slice(first >= 0xdc00 && first <= 0xdfff ? text.length - n + 1 : text.length - n);
  };
  /** Raw text read around a quote: plenty for 64 collapsed characters, bounded for huge pages. */
  const CONTEXT_SCAN = 4096;
  const QUOTE_SCAN = 16384;

  const isPlainTag = (name) => name.length <= MAX_TAG && TAG_PATTERN.test(name);
  const isElementNode = (x) => {
    try {
      return nodeType(x) === 1;
    } catch (_) {
      return false; // a Window or another non-Node event target
    }
  };

  /**
   * The node itself or its nearest ancestor element with a plain lower-case
   * tag name (so `document.getElementsByTagName(tag)` finds it), provided it
   * is <body> or inside it; else null.
   */
  const namedElementFrom = (node) => {
    const body = bodyOf(doc);
    if (body === null) return null;
    let el = node;
    while (el !== null && !(isElementNode(el) && isPlainTag(localNameOf(el)))) el = parentOf(el);
    for (let e = el; e !== null; e = parentOf(e)) if (e === body) return el;
    return null;
  };
  /** As namedElementFrom, but never <body> itself: a comment on the whole page is not a pick. */
  const pickableFrom = (node) => {
    const el = namedElementFrom(node);
    return el === bodyOf(doc) ? null : el;
  };

  const ordinalOf = (el, tag) => {
    const list = getElementsByTagNameDoc(doc, tag);
    const count = collectionLength(list);
    for (let i = 0; i < count; i++) if (collectionItem(list, i) === el) return i;
    return 0; // unreachable for a connected element
  };

  const isUniqueMatch = (selector, el) => {
    try {
      const found = querySelectorAllDoc(doc, selector);
      return nodeListLength(found) === 1 && nodeListItem(found, 0) === el;
    } catch (_) {
      return false; // not a selector this browser parses
    }
  };

  const typeIndexOf = (el) => {
    const name = localNameOf(el);
    let n = 1;
    for (let s = previousElementSiblingOf(el); s !== null; s = previousElementSiblingOf(s)) if (localNameOf(s) === name) n++;
    return n;
  };

  /**
   * `#id` when that id is unique, else `body > tag:nth-of-type(n) > …`. A path
   * too long for the limit keeps its innermost steps (still a valid selector,
   * found by the quote check).
   */
  const selectorFor = (el) => {
    const body = bodyOf(doc);
    if (el === body) return 'body';
    const id = getAttribute(el, 'id');
    if (id !== null && id !== '') {
      const byId = `#${cssEscape(id)}`;
      if (byId.length <= MAX_SELECTOR && isUniqueMatch(byId, el)) return byId;
    }
    const steps = [];
    let length = 'body'.length;
    for (let e = el; e !== null && e !== body; e = parentOf(e)) {
      const step = `${cssEscape(localNameOf(e))}:nth-of-type(${typeIndexOf(e)})`;
      if (length + 3 + step.length > MAX_SELECTOR) return steps.reverse().join(' > ');
      steps.push(step);
      length += 3 + step.length;
    }
    steps.push('body');
    return steps.reverse().join(' > ');
  };

  const describeElement = (el) => {
    const tag = localNameOf(el);
    const text = collapse(clipHead(getTextContent(el) || '', QUOTE_SCAN)).trim();
    return {
      kind: 'element',
      tag,
      ordinal: ordinalOf(el, tag),
      selector: selectorFor(el),
      quote: clipHead(text, MAX_QUOTE).trim(),
      prefix: '',
      suffix: '',
    };
  };

  /**
   * Quote, prefix and suffix from the raw text before, inside and after a
   * selection. Whitespace at the ends of the selection moves out into the
   * context, so the quote is trimmed but a word boundary next to it is kept.
   * A quote past the limit is cut, and what was cut starts the suffix.
   */
  const splitQuote = (beforeRaw, selectedRaw, afterRaw) => {
    let quote = collapse(clipHead(selectedRaw, QUOTE_SCAN));
    let before = collapse(clipTail(beforeRaw, CONTEXT_SCAN));
    let after = collapse(clipHead(afterRaw, CONTEXT_SCAN));
    if (quote.charCodeAt(0) === 32) {
      quote = quote.slice(1);
      if (before !== '' && !before.endsWith(' ')) before += ' ';
    }
    if (quote.endsWith(' ')) {
      quote = quote.slice(0, -1);
      if (after !== '' && !after.startsWith(' ')) after = ` ${after}`;
    }
    if (quote === '') return null;
    if (quote.length > MAX_QUOTE) {
      const kept = clipHead(quote, MAX_QUOTE).trimEnd();
      after = quote.slice(kept.length) + after;
      quote = kept;
    }
    return { quote, prefix: clipTail(before, MAX_CONTEXT), suffix: clipHead(after, MAX_CONTEXT) };
  };

  // ---- pick mode ----

  let isPicking = false;
  /** The highlighted element (pointer or keyboard), or null. */
  let pickCurrent = null;
  let hoverTarget = null;
  let hoverFrame = 0;
  // Guards against walking a huge, mostly hidden page on one key press.
  const MAX_WALK = 50000;

  const isShown = (el) => {
    const r = getRect(el);
    return rectWidth(r) > 0 && rectHeight(r) > 0 && computedStyle(el).visibility === 'visible';
  };
  const isPickCandidate = (el) => isPlainTag(localNameOf(el)) && isShown(el);
  const isBlockLevel = (el) => {
    const display = computedStyle(el).display;
    return display !== 'none' && display !== 'contents' && display.indexOf('inline') !== 0;
  };
  const hasOwnText = (el) => {
    for (let c = firstChildOf(el); c !== null; c = nextSiblingOf(c)) {
      if (nodeType(c) === 3 && /\S/.test(getData(c))) return true;
    }
    return false;
  };

  /** The element after el in document order, inside <body>; over its subtree when skipChildren. */
  const nextInBody = (el, skipChildren) => {
    const body = bodyOf(doc);
    if (!skipChildren) {
      const child = firstElementChildOf(el);
      if (child !== null) return child;
    }
    for (let e = el; e !== null && e !== body; e = parentOf(e)) {
      const next = nextElementSiblingOf(e);
      if (next !== null) return next;
    }
    return null;
  };
  /** The element before el in document order, inside <body> (never <body> itself). */
  const previousInBody = (el) => {
    const sibling = previousElementSiblingOf(el);
    if (sibling === null) {
      const parent = parentOf(el);
      return parent === null || parent === bodyOf(doc) || !isElementNode(parent) ? null : parent;
    }
    let last = sibling;
    for (let c = lastElementChildOf(last); c !== null; c = lastElementChildOf(last)) last = c;
    return last;
  };

  /** The next (or previous) visible element in document order, skipping hidden and zero-size ones. */
  const stepPick = (from, forward) => {
    const body = bodyOf(doc);
    if (body === null) return null;
    let el = from !== null && isConnected(from) ? from : null;
    for (let n = 0; n < MAX_WALK; n++) {
      if (forward) el = nextInBody(el === null ? body : el, false);
      else el = el === null ? null : previousInBody(el);
      if (el === null) return null;
      if (isPickCandidate(el)) return el;
    }
    return null;
  };

  const firstShownChild = (el) => {
    for (let c = firstElementChildOf(el); c !== null; c = nextElementSiblingOf(c)) if (isPickCandidate(c)) return c;
    return null;
  };

  /**
   * Where keyboard picking starts: the first block in document order that
   * shows in the viewport and holds text of its own (a heading or a
   * paragraph, not the <main> around them); failing that, the first block
   * in the viewport. Subtrees wholly above or below the viewport are skipped.
   */
  const firstContentBlock = () => {
    const body = bodyOf(doc);
    if (body === null) return null;
    const height = innerHeightOf(win);
    let fallback = null;
    let el = nextInBody(body, false);
    for (let n = 0; el !== null && n < MAX_WALK; n++) {
      const r = getRect(el);
      const isSized = rectHeight(r) > 0;
      if (isSized && (rectBottom(r) <= 0 || rectTop(r) >= height)) {
        el = nextInBody(el, true);
        continue;
      }
      if (isSized && isPickCandidate(el) && isBlockLevel(el)) {
        if (hasOwnText(el)) return el;
        if (fallback === null) fallback = el;
      }
      el = nextInBody(el, false);
    }
    return fallback;
  };

  const tagLabel = (el) => {
    const id = getAttribute(el, 'id');
    return clipHead(id ? `${localNameOf(el)}#${id}` : localNameOf(el), 60);
  };

  const drawPickOutline = () => {
    if (pickBox === null) return;
    if (!isPicking || pickCurrent === null || !isConnected(pickCurrent)) {
      setHidden(pickBox, true);
      return;
    }
    const origin = getRect(overlayHost);
    const r = getRect(pickCurrent);
    // Near the top of the page the label would sit above the document: put it inside.
    const isLabelInside = rectTop(r) + scrollYOf(win) < 20;
    setAttrIfChanged(pickBox, 'class', isLabelInside ? 'pick label-inside' : 'pick');
    setAttrIfChanged(pickBox, 'style', overlayBoxStyle(r, origin, 0));
    const label = tagLabel(pickCurrent);
    if (getTextContent(pickLabel) !== label) setTextContent(pickLabel, label);
    setHidden(pickBox, false);
  };

  const highlightForPick = (el, isReveal) => {
    pickCurrent = el;
    if (isReveal && el !== null) {
      scrollIntoView(el, { block: 'nearest', inline: 'nearest', behavior: prefersReducedMotion() ? 'instant' : 'smooth' });
    }
    drawPickOutline();
  };

  const startPicking = () => {
    if (isPicking || overlayHost === null) return;
    isPicking = true;
    ensureOverlay();
    highlightForPick(firstContentBlock(), false);
  };

  /** Leaves pick mode without telling the app (it asked, or a pick is being posted). */
  const stopPicking = () => {
    if (!isPicking) return;
    isPicking = false;
    pickCurrent = null;
    hoverTarget = null;
    drawPickOutline();
    applyReviewSheet();
  };

  const pickElement = (el) => {
    const target = describeElement(el);
    const rect = viewportRect(getRect(el));
    stopPicking();
    post({ type: 'picked', target, rect });
  };

  const PICK_KEYS = { Escape: true, Enter: true, ArrowDown: true, ArrowUp: true, ArrowLeft: true, ArrowRight: true };

  const onPickKey = (key) => {
    const current = pickCurrent !== null && isConnected(pickCurrent) ? pickCurrent : null;
    let next = null;
    if (key === 'Escape') {
      stopPicking();
      post({ type: 'pick-cancelled' });
      return;
    }
    if (key === 'Enter') {
      if (current !== null) pickElement(current);
      return;
    }
    if (key === 'ArrowDown') next = stepPick(current, true);
    else if (key === 'ArrowUp') next = stepPick(current, false);
    else if (key === 'ArrowLeft') next = current === null ? null : pickableFrom(parentOf(current));
    else if (key === 'ArrowRight') next = current === null ? null : firstShownChild(current);
    if (next !== null) highlightForPick(next, true);
  };

  const applyHover = () => {
    hoverFrame = 0;
    if (!isPicking || hoverTarget === null) return;
    // Over a pin, keep what was highlighted.
    if (hoverTarget !== overlayHost) highlightForPick(pickableFrom(hoverTarget), false);
    hoverTarget = null;
  };

  // Registered in section 2 (hence declarations, hoisted).
  function onPickPointerMove(event) {
    if (!isPicking) return;
    hoverTarget = eventTarget(event);
    if (hoverFrame === 0) hoverFrame = raf(applyHover);
  }

  /**
   * First on window for clicks, presses and keys. Two jobs: input aimed at
   * the overlay (pins) is handled here and kept from the artifact; in pick
   * mode, pointer input is swallowed (no link, no form, no artifact handler)
   * and a click picks, and the pick keys are ours.
   */
  function onGuardedInput(event) {
    const type = event.type;
    const isKey = type === 'keydown' || type === 'keyup' || type === 'keypress';
    if (isPicking && isKey) {
      const key = eventKey(event);
      if (PICK_KEYS[key] !== true) return;
      preventDefault(event);
      stopImmediatePropagation(event);
      if (type === 'keydown' && event.isTrusted) onPickKey(key);
      return;
    }
    const target = eventTarget(event);
    if (overlayHost !== null && target === overlayHost) {
      // Ours; default actions (focus, a button's click on Enter) still happen.
      stopImmediatePropagation(event);
      if (type === 'click' && event.isTrusted && !isPicking) activatePin(event);
      return;
    }
    if (!isPicking || isKey) return;
    preventDefault(event);
    stopImmediatePropagation(event);
    if (type === 'click' && event.isTrusted && mouseButton(event) === 0) {
      const el = pickableFrom(target);
      if (el !== null) pickElement(el);
    }
  }

  // ---- text selection ----

  const SELECTION_DEBOUNCE_MS = 150;
  let selectionTimer = 0;
  /** What the app was last told, as a comparable key; null when it has no selection from us. */
  let reportedSelection = null;

  const describeSelection = () => {
    const selection = getSelection();
    if (selection === null || selectionRangeCount(selection) === 0) return null;
    const range = selectionRangeAt(selection, 0);
    if (rangeCollapsed(range)) return null;
    // The closest element that holds the whole selection.
    const el = namedElementFrom(rangeCommonAncestor(range));
    if (el === null) return null;
    const before = createRange(doc);
    selectNodeContents(before, el);
    rangeSetEnd(before, rangeStartContainer(range), rangeStartOffset(range));
    const after = createRange(doc);
    selectNodeContents(after, el);
    rangeSetStart(after, rangeEndContainer(range), rangeEndOffset(range));
    // Range text is the text nodes' data, as textContent reads it (not the
    // layout-dependent innerText that Selection.toString gives).
    const text = splitQuote(rangeText(before), rangeText(range), rangeText(after));
    if (text === null) return null;
    const tag = localNameOf(el);
    return {
      target: {
        kind: 'text',
        tag,
        ordinal: ordinalOf(el, tag),
        selector: selectorFor(el),
        quote: text.quote,
        prefix: text.prefix,
        suffix: text.suffix,
      },
      rect: viewportRect(rangeRect(range)),
    };
  };

  const reportSelection = () => {
    selectionTimer = 0;
    if (isPicking) return;
    const found = describeSelection();
    if (found === null) {
      if (reportedSelection !== null) {
        reportedSelection = null;
        post({ type: 'selection', target: null, rect: null });
      }
      return;
    }
    const key = JSON.stringify(found);
    if (key === reportedSelection) return;
    reportedSelection = key;
    post({ type: 'selection', target: found.target, rect: found.rect });
  };

  const scheduleSelectionReport = () => {
    if (selectionTimer) clearTimer(selectionTimer);
    selectionTimer = setTimer(reportSelection, SELECTION_DEBOUNCE_MS);
  };

  function onSelectionChange() {
    scheduleSelectionReport();
  }

  /** A selection's rect is in viewport coordinates: after a scroll, send it again. */
  const onPageScrolled = () => {
    if (reportedSelection !== null) scheduleSelectionReport();
  };

  // ---- pins ----

  /** The last valid `pins` list; null until the app sends one. */
  let pins = null;
  /** id → the pin's <button>, kept across placements so focus stays put. */
  const pinButtons = new Map();
  const buttonPinIds = new WeakMap();
  /** id → the element the last placement found, for focus-pin. */
  let pinTargets = new Map();
  let lastPlacedKey = '';
  /** Names this frame registered in CSS.highlights (never anyone else's). */
  let highlightNames = [];

  /** Code points, as zod counts string lengths. */
  const isBoundedString = (value, minLength, maxLength) => {
    if (typeof value !== 'string' || value.length > 2 * maxLength) return false;
    let n = 0;
    for (let i = 0; i < value.length; i++, n++) {
      const c = value.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
        const d = value.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) i++;
      }
    }
    return n >= minLength && n <= maxLength;
  };

  /** Mirrors the pin schema in lib/sandbox/bridge.ts; null for anything else. */
  const readPin = (value) => {
    if (value === null || typeof value !== 'object') return null;
    const { id, kind, tag, ordinal, selector, quote, label, color, state, active } = value;
    if (!isBoundedString(id, 1, MAX_PIN_ID)) return null;
    if (kind !== 'element' && kind !== 'text') return null;
    if (!isBoundedString(tag, 1, MAX_TAG) || !TAG_PATTERN.test(tag)) return null;
    if (ordinal !== null && !(Number.isInteger(ordinal) && ordinal >= 0 && ordinal <= MAX_ORDINAL)) return null;
    if (!isBoundedString(selector, 0, MAX_SELECTOR) || !isBoundedString(quote, 0, MAX_QUOTE)) return null;
    if (!isBoundedString(label, 1, MAX_PIN_LABEL)) return null;
    if (typeof color !== 'string' || !HEX_COLOR_PATTERN.test(color)) return null;
    if (state !== 'ok' && state !== 'changed' && state !== 'outdated') return null;
    if (typeof active !== 'boolean') return null;
    const words = collapse(quote).trim();
    return {
      id,
      kind,
      tag,
      ordinal,
      selector,
      label,
      color,
      state,
      active,
      // Worked out once per `pins` message, not on every placement:
      /** The quote, whitespace collapsed: the pin's name reads it out. */
      quoteWords: words,
      /** What a selector-found element's text must contain. */
      quoteHead: clipHead(words, QUOTE_CHECK),
      /** The quote with any whitespace between its words, for the highlight; null for none. */
      quotePattern:
        kind === 'text' && words !== ''
          ? new RegExp(words.split(' ').map((w) => w.replace(REGEXP_SPECIAL, '\\$&')).join('\\s+'))
          : null,
    };
  };

  /** The whole list or nothing, as the app's schema would have it. */
  const readPins = (value) => {
    if (!Array.isArray(value) || value.length > MAX_PINS) return null;
    const list = [];
    for (let i = 0; i < value.length; i++) {
      const pin = readPin(value[i]);
      if (pin === null) return null;
      list.push(pin);
    }
    return list;
  };

  /** How far either side of its ordinal a pin looks for its quote (elements the page's scripts added). */
  const QUOTE_SEARCH_RADIUS = 64;

  const hasQuote = (el, pin) => pin.quoteHead === '' || collapse(getTextContent(el) || '').indexOf(pin.quoteHead) >= 0;

  /**
   * By ordinal when the app resolved one (the ordinal counts elements in the
   * page source). The page's own scripts can add elements of the same tag
   * before it, so an unchanged anchor whose element lacks the quote looks for
   * the nearest one that has it, and keeps the ordinal's otherwise. With
   * fewer such elements than the ordinal, or no ordinal, the selector finds
   * it, accepted only if the element's text still contains the quote's start.
   */
  const locatePin = (pin) => {
    if (pin.tag === OVERLAY_TAG) return null;
    if (pin.ordinal !== null) {
      const list = getElementsByTagNameDoc(doc, pin.tag);
      const count = collectionLength(list);
      if (pin.ordinal < count) {
        const el = collectionItem(list, pin.ordinal);
        if (pin.state !== 'ok' || hasQuote(el, pin)) return el;
        for (let d = 1; d <= QUOTE_SEARCH_RADIUS; d++) {
          if (pin.ordinal + d < count && hasQuote(collectionItem(list, pin.ordinal + d), pin)) return collectionItem(list, pin.ordinal + d);
          if (pin.ordinal - d >= 0 && hasQuote(collectionItem(list, pin.ordinal - d), pin)) return collectionItem(list, pin.ordinal - d);
        }
        return el;
      }
    }
    if (pin.selector === '') return null;
    let el;
    try {
      el = querySelectorDoc(doc, pin.selector);
    } catch (_) {
      return null; // not a selector this browser parses
    }
    if (el === null || el === overlayHost) return null;
    return hasQuote(el, pin) ? el : null;
  };

  // Text inside these never renders as the page's text.
  const UNRENDERED_TEXT = { script: true, style: true, noscript: true, template: true, title: true };

  /** The rendered text nodes under el, their concatenated data, and where each starts in it. */
  const textIndexOf = (el) => {
    const nodes = [];
    const starts = [];
    const parts = [];
    let length = 0;
    let node = firstChildOf(el);
    while (node !== null) {
      const type = nodeType(node);
      let next = null;
      if (type === 3) {
        const data = getData(node);
        nodes.push(node);
        starts.push(length);
        parts.push(data);
        length += data.length;
      } else if (type === 1 && UNRENDERED_TEXT[localNameOf(node)] !== true) {
        next = firstChildOf(node);
      }
      for (let n = node; next === null && n !== null && n !== el; n = parentOf(n)) next = nextSiblingOf(n);
      node = next;
    }
    return { text: parts.join(''), nodes, starts };
  };

  /** The index of the text node holding position `offset` (for an end, the node it ends in). */
  const nodeAt = (index, offset, isEnd) => {
    let lo = 0;
    let hi = index.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      const start = index.starts[mid];
      if (start < offset || (!isEnd && start === offset)) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };

  /** A Range over the first match of a quote pattern in the element's text. */
  const quoteRangeIn = (index, pattern) => {
    if (index.nodes.length === 0) return null;
    const match = pattern.exec(index.text);
    if (match === null) return null;
    const start = match.index;
    const end = start + match[0].length;
    const first = nodeAt(index, start, false);
    const last = nodeAt(index, end, true);
    const range = createRange(doc);
    rangeSetStart(range, index.nodes[first], start - index.starts[first]);
    rangeSetEnd(range, index.nodes[last], end - index.starts[last]);
    return range;
  };

  /** [r, g, b] of a validated #hex colour (its own alpha is ignored). */
  const rgbOf = (hex) => {
    const digits = hex.slice(1);
    const isShort = digits.length <= 4;
    const channel = (i) => (isShort ? parseInt(digits[i] + digits[i], 16) : parseInt(digits.slice(2 * i, 2 * i + 2), 16));
    return [channel(0), channel(1), channel(2)];
  };
  /** White or near-black, whichever reads better on the pin's colour. */
  const inkFor = (hex) => {
    const c = rgbOf(hex);
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] > 160 ? 'rgb(17, 17, 17)' : 'rgb(255, 255, 255)';
  };
  const rgba = (hex, alpha) => {
    const c = rgbOf(hex);
    return `rgba(${c[0]}, ${c[1]}, ${c[2]}, ${alpha})`;
  };

  /** Rough width of a pin: round for one or two characters, a pill for more. */
  const pinWidth = (label) => max(PIN_SIZE, 12 + 7 * label.length);

  /** How much of a pin's quote its name reads out. */
  const PIN_NAME_QUOTE = 80;
  /** A pin's name for a screen reader: its thread's number and what it is pinned to ("Comment thread 2: “twelve percent”"). */
  const ariaLabelFor = (pin) => {
    const quote = pin.quoteWords;
    const clipped = quote.length > PIN_NAME_QUOTE ? `${clipHead(quote, PIN_NAME_QUOTE - 1)}…` : quote;
    const about = clipped ? `: “${clipped}”` : '';
    return `Comment thread ${pin.label}${about}${pin.state === 'changed' ? ' (the page changed here since)' : ''}`;
  };

  /** Updates buttons in place, drops the ones no longer drawn, and keeps DOM (= tab) order top to bottom. */
  const drawPins = (draws) => {
    const drawn = new Set();
    for (let i = 0; i < draws.length; i++) {
      const pin = draws[i].pin;
      drawn.add(pin.id);
      let button = pinButtons.get(pin.id);
      if (button === undefined) {
        button = createElementNS(doc, HTML_NS, 'button');
        setAttributeNS(button, null, 'type', 'button');
        pinButtons.set(pin.id, button);
        buttonPinIds.set(button, pin.id);
      }
      setAttrIfChanged(button, 'class', pin.active ? 'pin active' : 'pin');
      setAttrIfChanged(button, 'data-state', pin.state);
      setAttrIfChanged(button, 'aria-label', ariaLabelFor(pin));
      setAttrIfChanged(
        button,
        'style',
        `left:${draws[i].left}px;top:${draws[i].top}px;--pin-color:${pin.color};--pin-ink:${inkFor(pin.color)}`,
      );
      if (getTextContent(button) !== pin.label) setTextContent(button, pin.label);
    }
    pinButtons.forEach((button, id) => {
      if (drawn.has(id)) return;
      detach(button);
      pinButtons.delete(id);
    });
    let child = firstChildOf(pinLayer);
    for (let i = 0; i < draws.length; i++) {
      const button = pinButtons.get(draws[i].pin.id);
      if (child === button) child = nextSiblingOf(child);
      else insertBefore(pinLayer, button, child);
    }
  };

  /** One Highlight per colour (and active or not), registered under our own names only. */
  const paintHighlights = (groups) => {
    if (highlightRegistry === null) return;
    const names = [];
    let css = '';
    groups.forEach((group) => {
      const name = `loupe-pin-${names.length}`;
      registrySet(highlightRegistry, name, new HighlightCtor(...group.ranges));
      names.push(name);
      css += `::highlight(${name}){background-color:${rgba(group.color, group.active ? 0.45 : 0.25)}}`;
    });
    for (let i = 0; i < highlightNames.length; i++) {
      if (names.indexOf(highlightNames[i]) < 0) registryDelete(highlightRegistry, highlightNames[i]);
    }
    highlightNames = names;
    highlightCss = css;
    applyReviewSheet();
  };

  /**
   * Finds every pin's element, draws the pins at their top-right corners
   * (inside the viewport horizontally; several on one element line up to the
   * left), highlights quoted text, and tells the app where they are. All
   * measuring happens before any drawing, so this costs one layout.
   * `announce`: post `pins-placed` even if nothing moved.
   */
  const placePins = (announce) => {
    if (overlayHost === null) return;
    ensureOverlay();
    if (pins === null) return;
    const origin = getRect(overlayHost);
    const root = documentElementOf(doc);
    const viewportWidth = root !== null ? clientWidthOf(root) : innerWidthOf(win);
    const scrollY = scrollYOf(win);
    const placed = new Array(pins.length);
    const draws = [];
    const targets = new Map();
    const perElement = new Map();
    const texts = new Map();
    const groups = new Map();
    for (let i = 0; i < pins.length; i++) {
      const pin = pins[i];
      const el = pin.state === 'outdated' ? null : locatePin(pin);
      if (el === null) {
        placed[i] = { id: pin.id, found: false, y: null };
        continue;
      }
      targets.set(pin.id, el);
      const r = getRect(el);
      if (rectWidth(r) <= 0 && rectHeight(r) <= 0) {
        placed[i] = { id: pin.id, found: true, y: null }; // on the page but not rendered
        continue;
      }
      const stack = perElement.get(el) || 0;
      perElement.set(el, stack + 1);
      const x = max(0, min(rectRight(r) - PIN_SIZE / 2 - stack * (PIN_SIZE + PIN_GAP), viewportWidth - pinWidth(pin.label)));
      const y = max(rectTop(r) - PIN_SIZE / 2, -scrollY); // never above the page
      placed[i] = { id: pin.id, found: true, y: clampSize(y + scrollY) };
      draws.push({ pin, left: x - rectLeft(origin), top: y - rectTop(origin), order: y + scrollY, x });
      if (pin.quotePattern !== null && highlightRegistry !== null) {
        let index = texts.get(el);
        if (index === undefined) {
          index = textIndexOf(el);
          texts.set(el, index);
        }
        const range = quoteRangeIn(index, pin.quotePattern);
        if (range !== null) {
          const key = `${pin.color}|${pin.active}`;
          let group = groups.get(key);
          if (group === undefined) {
            group = { color: pin.color, active: pin.active, ranges: [] };
            groups.set(key, group);
          }
          group.ranges.push(range);
        }
      }
    }
    draws.sort((a, b) => a.order - b.order || a.x - b.x);
    drawPins(draws);
    paintHighlights(groups);
    pinTargets = targets;
    const key = JSON.stringify(placed);
    if (!announce && key === lastPlacedKey) return;
    lastPlacedKey = key;
    post({ type: 'pins-placed', placed });
  };

  const setPins = (list) => {
    pins = list;
    placePins(true);
  };

  /** A click on the overlay (arriving at window as a click on the host): which pin was it? */
  const activatePin = (event) => {
    // A keyboard click (Enter or Space on a focused pin) has no position.
    const el =
      uiEventDetail(event) === 0
        ? shadowActiveElement(overlayRoot)
        : shadowElementFromPoint(overlayRoot, mouseClientX(event), mouseClientY(event));
    const id = el === null ? undefined : buttonPinIds.get(el);
    if (id !== undefined && pinButtons.get(id) === el) post({ type: 'pin-click', id });
  };

  const focusPin = (id) => {
    const el = pinTargets.get(id);
    if (el === undefined || !isConnected(el) || overlayHost === null) return;
    scrollIntoView(el, { block: 'center', inline: 'nearest', behavior: prefersReducedMotion() ? 'instant' : 'smooth' });
    // Drawn in document coordinates, so it stays on the element while a smooth scroll runs.
    const flash = makeOverlayElement('div', 'flash', overlayRoot);
    setAttributeNS(flash, null, 'style', overlayBoxStyle(getRect(el), getRect(overlayHost), 4));
    setTimer(() => detach(flash), FLASH_MS);
  };

  // ---- keeping the overlay in step with the page ----

  let layoutFrame = 0;
  let layoutTimer = 0;
  /** The body's size when the overlay was last laid out, as `w x h`. */
  let laidOutBodySize = '';

  const bodySize = () => {
    const body = bodyOf(doc);
    if (body === null) return '';
    const r = getRect(body);
    return `${rectWidth(r)}x${rectHeight(r)}`;
  };

  const runOverlayLayout = () => {
    if (layoutFrame) cancelRaf(layoutFrame);
    if (layoutTimer) clearTimer(layoutTimer);
    layoutFrame = 0;
    layoutTimer = 0;
    placePins(false);
    drawPickOutline();
    laidOutBodySize = bodySize();
  };

  /**
   * The body was resized. A render has usually just laid the overlay out for
   * this very size (its ResizeObserver callback comes after): skip that one.
   */
  const onBodyResized = () => {
    if (bodySize() !== laidOutBodySize) scheduleOverlayLayout();
  };

  /** After a resize, a reflow or an inner box's scroll: once per frame (timer fallback when not painting). */
  const scheduleOverlayLayout = () => {
    if (overlayHost === null || layoutFrame !== 0) return;
    layoutFrame = raf(runOverlayLayout);
    layoutTimer = setTimer(runOverlayLayout, 250);
  };

  /** After a render: the morph may have moved, replaced or removed anything, the host included. */
  const afterRender = () => {
    if (pickCurrent !== null && !isConnected(pickCurrent)) pickCurrent = null;
    ensureOverlay();
    drawPickOutline();
    placePins(false);
    laidOutBodySize = bodySize();
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
    const v = newVnode(1, null);
    v.ns = HTML_NS;
    v.name = name;
    v.attrs = [];
    v.children = children;
    v.live = live;
    // Same hash as buildVnode gives the parsed empty element.
    const mix = newMix(SEED_ELEMENT);
    mixIn(mix, nameHash(HTML_NS, name));
    for (let i = 0; i < children.length; i++) mixIn(mix, children[i].hash);
    v.hash = mixOut(mix);
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
    // A declarative template stays in the light tree as the source node it
    // was built from (hidden, as templates are); its root is made, or
    // refilled when the template changed, through the realm guard.
    for (let i = 0; i < ctx.shadowTemplates.length; i++) {
      const t = ctx.shadowTemplates[i].live;
      if (parentOf(t) !== null) declareShadowRoot(t, declarativeMode(t), true);
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
    try {
      afterRender();
    } catch (err) {
      reportError(`Loupe could not place review pins: ${describe(err)}`);
    }
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
    createOverlay();
    if (typeof ResizeObserver === 'function') {
      // The page grows as its scripts and images settle; keep the app's
      // idea of scrollHeight current without waiting for a scroll, and the
      // pins on their elements as the content reflows.
      new ResizeObserver(reportScroll).observe(documentElementOf(doc));
      new ResizeObserver(onBodyResized).observe(bodyOf(doc));
    }
    post({ type: 'ready' });
    if (pending !== null) flush();
  };

  // This script runs in <head>: <body> does not exist until parsing ends.
  if (doc.readyState === 'loading') addListener(doc, 'DOMContentLoaded', start, { once: true });
  else start();
})();
