/*
 * Scripts, and the load events artifacts wait for.
 */
import { reportError, scriptErrors } from './channel';
import {
  EventCtor,
  EventTargetP,
  apply,
  createElementNS,
  defineProp,
  dispatch,
  doc,
  getAttribute,
  parentOf,
  replaceChild,
  setTextContent,
  win,
} from './intrinsics';
import { managed, setAttr } from './patch';
import type { VAttr, VNode } from './vnode';

/**
 * Swaps `placeholder` for a new script element with `text`, which runs on
 * insertion (unlike parser-made ones). Its errors arrive synchronously as
 * window `error` events, not as exceptions here; they are returned.
 */
const executeScript = (v: VNode, placeholder: Node, text: string): string[] => {
  const fresh = createElementNS(doc, v.ns, 'script');
  const attrs = v.attrs as VAttr[];
  for (let i = 0; i < attrs.length; i++) setAttr(fresh, attrs[i], v.src);
  setTextContent(fresh, text);
  v.live = fresh;
  managed.add(fresh);
  const errors: string[] = [];
  scriptErrors.sink = errors;
  try {
    replaceChild(parentOf(placeholder) as Node, fresh, placeholder);
  } finally {
    scriptErrors.sink = null;
  }
  return errors;
};

// Chromium, Firefox and Safari wordings of "top-level let/const/class
// declared twice".
const REDECLARED = /already been declared|redeclaration of|duplicate variable/i;

/** Runs new inline scripts once, in document order. */
export const runScripts = (scripts: readonly VNode[]): void => {
  for (let k = 0; k < scripts.length; k++) {
    const v = scripts[k];
    if (parentOf(v.live as Node) === null) continue;
    let errors = executeScript(v, v.live as Node, v.text);
    // A changed script that runs again redeclares its own top-level
    // const/let/class (so does a new script reusing another's names). That SyntaxError is raised before any statement
    // runs, so running it once more inside a block is safe, and is the
    // closest we can get to the fresh global scope a reload would give.
    const type = (getAttribute(v.live as Element, 'type') || '').trim().toLowerCase();
    if (errors.length === 1 && REDECLARED.test(errors[0]) && type !== 'module') {
      errors = executeScript(v, v.live as Node, `{\n${v.text}\n}`);
    }
    for (let i = 0; i < errors.length; i++) reportError(errors[i]);
  }
};

// The frame document finished loading long before any artifact script
// runs, but artifacts written as standalone pages wait for DOMContentLoaded
// or load. After each render that ran scripts, both are dispatched again;
// listeners for them are registered as `once`, so each fires exactly one
// time, as it would in a standalone page.
const LOAD_TYPES: Record<string, true | undefined> = { DOMContentLoaded: true, load: true };
// Looked up at call time, on purpose: this stands in for the page's own
// addEventListener, so it behaves as whatever the page made of it.
const addListenerLive = (self: unknown, args: ArrayLike<unknown>): unknown =>
  apply(EventTargetP.addEventListener, self, args as unknown[]);
const fireOnceWrapper = (target: EventTarget): void => {
  defineProp(target, 'addEventListener', {
    configurable: true,
    writable: true,
    value: function addEventListener(this: unknown, type: string, listener: unknown, options?: unknown) {
      // A bare `addEventListener(...)` in a page script arrives with no
      // receiver (this function is strict); the native one means window.
      const self = this === undefined || this === null ? win : this;
      const capture = options === true || (options !== null && typeof options === 'object' && (options as { capture?: unknown }).capture === true);
      if (self === target && LOAD_TYPES[type] === true && !capture) {
        const once: Record<string, unknown> = typeof options === 'object' && options !== null ? Object.assign({}, options as Record<string, unknown>) : {};
        once.once = true;
        return addListenerLive(self, [type, listener, once]);
      }
      // eslint-disable-next-line prefer-rest-params
      return addListenerLive(self, arguments);
    },
  });
};

/** Makes DOMContentLoaded and load listeners on window and document fire once per registration. */
export const installLoadEvents = (): void => {
  fireOnceWrapper(win);
  fireOnceWrapper(doc);
};

export const fireLoadEvents = (): void => {
  dispatch(doc, new EventCtor('DOMContentLoaded', { bubbles: true }));
  dispatch(win, new EventCtor('load'));
  // window.onload (or <body onload>) is an event handler, not a listener:
  // clear it once it has fired so the next render does not fire it again.
  try {
    win.onload = null;
  } catch {
    // Redefined by the page: leave it.
  }
};
