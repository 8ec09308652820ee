/*
 * The DOM primitives the frame program needs, captured before any artifact
 * code can patch them.
 *
 * This module runs first (every other module imports it, and it imports
 * nothing), while the frame document is still being parsed and no artifact
 * code exists yet. Everything else in lib/frame calls these detached copies,
 * never a method looked up on a node at the time of use: an artifact can
 * replace `Node.prototype.insertBefore`, `Function.prototype.call` or
 * `window.parent`, and none of that reaches us.
 *
 * JS intrinsics (Array, Map, String, Math) are trusted; a page that patches
 * those breaks its own code long before it breaks ours.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

export const win = window;
export const doc = document;
// window.parent is [Replaceable]: an artifact may overwrite it, so keep ours.
export const parentWin = win.parent;
export const apply = Reflect.apply;
export const getPrototypeOf = Object.getPrototypeOf;
const getOwnDesc = Object.getOwnPropertyDescriptor;
export const defineProp = Object.defineProperty;
export const URLCtor = URL;
export const EventCtor = Event;
export const ErrorEventCtor = ErrorEvent;
export const DOMParserCtor = DOMParser;
export const dateNow = Date.now;
export const abs = Math.abs;
export const max = Math.max;
export const min = Math.min;
export const imul = Math.imul;

/** Finds a property descriptor on obj or up its prototype chain. */
const findDesc = (obj: object, name: PropertyKey): PropertyDescriptor | undefined => {
  for (let o: object | null = obj; o; o = getPrototypeOf(o)) {
    const d = getOwnDesc(o, name);
    if (d) return d;
  }
  return undefined;
};
// uncurryThis(fn)(self, ...args) is fn.call(self, ...args) through the
// original `call`, bound now: later patches to the prototype or to
// Function.prototype.call do not reach it, and it allocates nothing (this
// runs for every node of every render).
const uncurryThis: (fn: (...args: any[]) => any) => (self: any, ...args: any[]) => any =
  Function.prototype.bind.bind(Function.prototype.call);

/**
 * A member this engine does not have (a DOM without Highlight, say) is not
 * an error until something calls it: the call throws then, naming it.
 */
const missing =
  (name: PropertyKey) =>
  (): never => {
    throw new TypeError(`frame intrinsic missing: ${String(name)}`);
  };

type Fn = (...args: any[]) => any;
/** `proto.name` detached: `(self, ...args) => self.name(...args)` through the original method. */
export type Uncurried<T, K extends keyof T> = T[K] extends (...args: infer A) => infer R ? (self: T, ...args: A) => R : never;

/** Detaches a method from its prototype, so later patches do not reach us. */
export const method = <T extends object, K extends keyof T>(proto: T, name: K): Uncurried<T, K> => {
  const d = findDesc(proto, name);
  return (d && typeof d.value === 'function' ? uncurryThis(d.value as Fn) : missing(name)) as Uncurried<T, K>;
};
export const getter = <T extends object, K extends keyof T>(proto: T, name: K): ((self: T) => T[K]) => {
  const d = findDesc(proto, name);
  return (d && d.get ? uncurryThis(d.get) : missing(name)) as (self: T) => T[K];
};
export const setter = <T extends object, K extends keyof T>(proto: T, name: K): ((self: T, value: T[K]) => void) => {
  const d = findDesc(proto, name);
  return (d && d.set ? uncurryThis(d.set) : missing(name)) as (self: T, value: T[K]) => void;
};
/** Swaps a built-in method for make(original), keeping its property flags. */
export const replaceMethod = (owner: object, name: string, make: (original: Fn) => Fn): void => {
  const desc = getOwnDesc(owner, name);
  if (!desc || typeof desc.value !== 'function') return;
  defineProp(owner, name, {
    configurable: desc.configurable,
    enumerable: desc.enumerable,
    writable: desc.writable,
    value: make(desc.value as Fn),
  });
};

const NodeP = Node.prototype;
const ElementP = Element.prototype;
const DocumentP = Document.prototype;
const EventP = EventCtor.prototype;
const EventTargetP = EventTarget.prototype;
export { ElementP, DocumentP, EventTargetP };

export const addListener = method(EventTargetP, 'addEventListener');
export const dispatch = method(EventTargetP, 'dispatchEvent');
export const preventDefault = method(EventP, 'preventDefault');
export const stopImmediatePropagation = method(EventP, 'stopImmediatePropagation');
export const composedPath = method(EventP, 'composedPath');
export const eventTarget = getter(EventP, 'target');
export const defaultPrevented = getter(EventP, 'defaultPrevented');
export const msgSource = getter(MessageEvent.prototype, 'source');
export const msgData = getter(MessageEvent.prototype, 'data');
export const mouseButton = getter(MouseEvent.prototype, 'button');
export const eventKey = getter(KeyboardEvent.prototype, 'key');

export const parseFromString = method(DOMParserCtor.prototype, 'parseFromString');
export const parser = new DOMParserCtor();

export const nodeType = getter(NodeP, 'nodeType');
export const parentOf = getter(NodeP, 'parentNode') as (self: Node) => (Node & ParentNode) | null;
export const firstChildOf = getter(NodeP, 'firstChild') as (self: Node) => Node | null;
export const nextSiblingOf = getter(NodeP, 'nextSibling') as (self: Node) => Node | null;
export const lastChildOf = getter(NodeP, 'lastChild');
export const isConnected = getter(NodeP, 'isConnected');
// Only ever used on elements. Looked up from Element.prototype: in browsers
// that finds Node.prototype's accessor all the same; a test DOM (happy-dom)
// overrides it on Element.
export const getTextContent = getter(ElementP, 'textContent') as (self: Element) => string;
export const setTextContent = setter(ElementP, 'textContent') as (self: Element, value: string) => void;
export const insertBefore = method(NodeP, 'insertBefore') as (self: Node, node: Node, child: Node | null) => Node;
export const removeChild = method(NodeP, 'removeChild') as (self: Node, child: Node) => Node;
export const replaceChild = method(NodeP, 'replaceChild') as (self: Node, node: Node, child: Node) => Node;
export const appendChild = method(NodeP, 'appendChild') as (self: Node, node: Node) => Node;
export const getData = getter(CharacterData.prototype, 'data');
export const setData = setter(CharacterData.prototype, 'data');

export const localNameOf = getter(ElementP, 'localName');
export const namespaceOf = getter(ElementP, 'namespaceURI');
export const attributesOf = getter(ElementP, 'attributes');
export const hasAttributes = method(ElementP, 'hasAttributes');
export const hasAttribute = method(ElementP, 'hasAttribute');
export const firstElementChildOf = getter(ElementP, 'firstElementChild');
export const lastElementChildOf = getter(ElementP, 'lastElementChild');
export const nextElementSiblingOf = getter(ElementP, 'nextElementSibling');
export const previousElementSiblingOf = getter(ElementP, 'previousElementSibling');
export const getAttribute = method(ElementP, 'getAttribute');
export const getAttributeNS = method(ElementP, 'getAttributeNS');
export const getAttributeNodeNS = method(ElementP, 'getAttributeNodeNS');
export const setAttributeNS = method(ElementP, 'setAttributeNS');
export const setAttributeNode = method(ElementP, 'setAttributeNode');
export const removeAttributeNS = method(ElementP, 'removeAttributeNS');
export const getRect = method(ElementP, 'getBoundingClientRect');
export const getInnerHTML = getter(ElementP, 'innerHTML');
export const setElementInnerHTML = setter(ElementP, 'innerHTML');
export const scrollHeightOf = getter(ElementP, 'scrollHeight');
export const clientWidthOf = getter(ElementP, 'clientWidth');
export const scrollIntoView = method(ElementP, 'scrollIntoView') as (self: Element, arg?: ScrollIntoViewOptions) => void;
export const getElementsByTagName = method(ElementP, 'getElementsByTagName') as (self: Element, name: string) => HTMLCollectionOf<Element>;
// For the overlay (overlay/host.ts) and the realm guard, which wraps the
// public one: captured before guards/realm.ts replaces it.
export const attachShadowNative = method(ElementP, 'attachShadow');
export const attrCount = getter(NamedNodeMap.prototype, 'length');
export const attrAt = method(NamedNodeMap.prototype, 'item');
export const attrName = getter(Attr.prototype, 'name');
export const attrLocalName = getter(Attr.prototype, 'localName');
export const attrNamespace = getter(Attr.prototype, 'namespaceURI');
export const attrValue = getter(Attr.prototype, 'value');
const RectP = DOMRectReadOnly.prototype;
export const rectTop = getter(RectP, 'top');
export const rectBottom = getter(RectP, 'bottom');
export const rectLeft = getter(RectP, 'left');
export const rectRight = getter(RectP, 'right');
export const rectWidth = getter(RectP, 'width');
export const rectHeight = getter(RectP, 'height');

export const importNode = method(DocumentP, 'importNode') as <T extends Node>(self: Document, node: T, subtree?: boolean) => T;
export const createElementNS = method(DocumentP, 'createElementNS') as (self: Document, ns: string | null, name: string) => Element;
export const createTextNode = method(DocumentP, 'createTextNode');
export const createComment = method(DocumentP, 'createComment');
export const createRange = method(DocumentP, 'createRange');
export const elementsFromPoint = method(DocumentP, 'elementsFromPoint');
export const documentElementOf = getter(DocumentP, 'documentElement') as (self: Document) => HTMLElement | null;
export const headOf = getter(DocumentP, 'head') as (self: Document) => HTMLHeadElement | null;
export const bodyOf = getter(DocumentP, 'body') as (self: Document) => HTMLElement | null;
export const currentScriptOf = getter(DocumentP, 'currentScript');
export const getElementsByTagNameDoc = method(DocumentP, 'getElementsByTagName') as (self: Document, name: string) => HTMLCollectionOf<Element>;
export const querySelectorDoc = method(DocumentP, 'querySelector') as (self: Document, selectors: string) => Element | null;
export const querySelectorAllDoc = method(DocumentP, 'querySelectorAll') as (self: Document, selectors: string) => NodeListOf<Element>;
export const adoptedSheetsOf = getter(DocumentP, 'adoptedStyleSheets');
export const setAdoptedSheets = setter(DocumentP, 'adoptedStyleSheets');
export const collectionLength = getter(HTMLCollection.prototype, 'length');
export const collectionItem = method(HTMLCollection.prototype, 'item');
export const nodeListLength = getter(NodeList.prototype, 'length');
export const nodeListItem = method(NodeList.prototype, 'item');
export const MutationObserverCtor = MutationObserver;
export const observeMutations = method(MutationObserverCtor.prototype, 'observe');
export const recordAdded = getter(MutationRecord.prototype, 'addedNodes');
export const templateContent = getter(HTMLTemplateElement.prototype, 'content');
export const setShadowInnerHTML = setter(ShadowRoot.prototype, 'innerHTML');

const RangeP = Range.prototype;
export const selectNode = method(RangeP, 'selectNode');
export const createContextualFragment = method(RangeP, 'createContextualFragment');
export const rangeSetStart = method(RangeP, 'setStart');
export const rangeSetEnd = method(RangeP, 'setEnd');
export const selectNodeContents = method(RangeP, 'selectNodeContents');
export const rangeText = method(RangeP, 'toString');
export const rangeRect = method(RangeP, 'getBoundingClientRect');
export const rangeCollapsed = getter(RangeP, 'collapsed');
export const rangeStartContainer = getter(RangeP, 'startContainer');
export const rangeStartOffset = getter(RangeP, 'startOffset');
export const rangeEndContainer = getter(RangeP, 'endContainer');
export const rangeEndOffset = getter(RangeP, 'endOffset');
export const rangeCommonAncestor = getter(RangeP, 'commonAncestorContainer');
export const selectionRangeCount = getter(Selection.prototype, 'rangeCount');
export const selectionRangeAt = method(Selection.prototype, 'getRangeAt');
export const shadowElementFromPoint = method(ShadowRoot.prototype, 'elementFromPoint');
export const shadowActiveElement = getter(ShadowRoot.prototype, 'activeElement');
export const uiEventDetail = getter(UIEvent.prototype, 'detail');
export const mouseClientX = getter(MouseEvent.prototype, 'clientX');
export const mouseClientY = getter(MouseEvent.prototype, 'clientY');
// Every engine the frame runs in has MediaQueryList; a test DOM may not (then the getter throws when called).
export const mediaMatches = getter(
  (typeof MediaQueryList === 'function' ? MediaQueryList.prototype : {}) as MediaQueryList,
  'matches',
);
export const CSSStyleSheetCtor = CSSStyleSheet;
export const replaceSheetText = method(CSSStyleSheetCtor.prototype, 'replaceSync');
const CSSNamespace: typeof CSS | undefined = typeof CSS === 'object' ? CSS : undefined;
export const cssEscape: (ident: string) => string =
  CSSNamespace && typeof CSSNamespace.escape === 'function' ? CSSNamespace.escape : missing('CSS.escape');
// The CSS Custom Highlight API, where the browser has it.
export const HighlightCtor: typeof Highlight | null = typeof Highlight === 'function' ? Highlight : null;
export const highlightRegistry: HighlightRegistry | null =
  HighlightCtor !== null && CSSNamespace && CSSNamespace.highlights ? CSSNamespace.highlights : null;
export const registrySet =
  highlightRegistry !== null ? (method(getPrototypeOf(highlightRegistry) as HighlightRegistry, 'set') as (self: HighlightRegistry, name: string, h: Highlight) => HighlightRegistry) : null;
export const registryDelete =
  highlightRegistry !== null ? (method(getPrototypeOf(highlightRegistry) as HighlightRegistry, 'delete') as (self: HighlightRegistry, name: string) => boolean) : null;

// Forms (guards/forms.ts).
export const SubmitEventCtor: new (type: string, init?: EventInit) => Event = typeof SubmitEvent === 'function' ? SubmitEvent : EventCtor;
export const buttonType = getter(HTMLButtonElement.prototype, 'type');
export const buttonForm = getter(HTMLButtonElement.prototype, 'form');
export const buttonNoValidate = getter(HTMLButtonElement.prototype, 'formNoValidate');
export const inputType = getter(HTMLInputElement.prototype, 'type');
export const inputForm = getter(HTMLInputElement.prototype, 'form');
export const inputNoValidate = getter(HTMLInputElement.prototype, 'formNoValidate');
export const formNoValidate = getter(HTMLFormElement.prototype, 'noValidate');
export const reportValidity = method(HTMLFormElement.prototype, 'reportValidity');
export const formElements = getter(HTMLFormElement.prototype, 'elements');
export const HTMLButtonElementCtor = HTMLButtonElement;
export const HTMLInputElementCtor = HTMLInputElement;
export const HTMLFormElementP = HTMLFormElement.prototype;
export const ShadowRootP = ShadowRoot.prototype;
export const DocumentCtor = Document;
export const ResizeObserverCtor: typeof ResizeObserver | null = typeof ResizeObserver === 'function' ? ResizeObserver : null;

// Window members live on the window object itself ([Global] interface).
type Win = typeof win;
export const scrollYOf = getter(win as Win, 'scrollY');
export const innerWidthOf = getter(win as Win, 'innerWidth');
export const innerHeightOf = getter(win as Win, 'innerHeight');
const scrollByFn = win.scrollBy;
const scrollToFn = win.scrollTo;
const getComputedStyleFn = win.getComputedStyle;
const rafFn = win.requestAnimationFrame;
const cancelRafFn = win.cancelAnimationFrame;
const setTimeoutFn: (fn: () => void, ms: number) => number = win.setTimeout;
const clearTimeoutFn = win.clearTimeout;
const getSelectionFn = win.getSelection;
const matchMediaFn = win.matchMedia;
/** Indirect eval: global scope. */
export const globalEval = win.eval;
export const scrollBy = (dx: number, dy: number): void => apply(scrollByFn, win, [dx, dy]);
export const scrollTo = (options: ScrollToOptions): void => apply(scrollToFn, win, [options]);
export const computedStyle = (el: Element): CSSStyleDeclaration => apply(getComputedStyleFn, win, [el]);
export const computedPosition = (el: Element): string => computedStyle(el).position;
export const getSelection = (): Selection | null => apply(getSelectionFn, win, []);
export const matchMedia = (query: string): MediaQueryList => apply(matchMediaFn, win, [query]);
export const prefersReducedMotion = (): boolean => mediaMatches(matchMedia('(prefers-reduced-motion: reduce)'));
export const raf = (fn: FrameRequestCallback): number => apply(rafFn, win, [fn]);
export const cancelRaf = (id: number): void => apply(cancelRafFn, win, [id]);
export const setTimer = (fn: () => void, ms: number): number => apply(setTimeoutFn, win, [fn, ms]) as number;
export const clearTimer = (id: number): void => apply(clearTimeoutFn, win, [id]);
export const locationHref = (): string => win.location.href; // Location is unforgeable.

export const HTML_NS = 'http://www.w3.org/1999/xhtml';
export const SVG_NS = 'http://www.w3.org/2000/svg';
export const XLINK_NS = 'http://www.w3.org/1999/xlink';
export const OWN_ORIGIN = new URLCtor(locationHref()).origin;
