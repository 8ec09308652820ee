/*
 * No way out through links: every link activation is decided here, before
 * the artifact's own handlers (registered later) and before the browser's
 * default action.
 */
import { LINK_PROTOCOL_LIST, MAX_HREF_LENGTH } from '../../sandbox/limits';
import { describe, post, reportError } from '../channel';
import {
  OWN_ORIGIN,
  SVG_NS,
  URLCtor,
  XLINK_NS,
  addListener,
  composedPath,
  getAttribute,
  getAttributeNS,
  globalEval,
  localNameOf,
  locationHref,
  mouseButton,
  namespaceOf,
  nodeType,
  preventDefault,
  win,
} from '../intrinsics';

const withoutHash = (href: string): string => {
  const i = href.indexOf('#');
  return i < 0 ? href : href.slice(0, i);
};

const linkHref = (el: EventTarget): string | null => {
  // composedPath() ends with Document and Window, which are not Nodes of
  // the element kind; the detached getter throws on a Window.
  try {
    if (nodeType(el as Node) !== 1) return null;
  } catch {
    return null;
  }
  const element = el as Element;
  const name = localNameOf(element);
  if (name !== 'a' && name !== 'area') return null;
  const raw = getAttribute(element, 'href');
  if (raw !== null) return raw;
  return namespaceOf(element) === SVG_NS ? getAttributeNS(element, XLINK_NS, 'href') : null;
};

const runJavascriptUrl = (raw: string): void => {
  let code = raw.slice(raw.indexOf(':') + 1);
  try {
    code = decodeURIComponent(code);
  } catch {
    // Malformed escapes: run it as written, as browsers do.
  }
  try {
    globalEval(code); // indirect eval: global scope
  } catch (err) {
    reportError(describe(err));
  }
};

const onLinkActivation = (event: Event): void => {
  if (event.type === 'auxclick' && mouseButton(event as MouseEvent) !== 1) return;
  const path = composedPath(event);
  let raw: string | null = null;
  for (let i = 0; i < path.length && raw === null; i++) raw = linkHref(path[i]);
  if (raw === null) return;
  let url: URL;
  try {
    url = new URLCtor(raw, locationHref());
  } catch {
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
  if (event.isTrusted && LINK_PROTOCOL_LIST.indexOf(url.protocol) >= 0 && url.origin !== OWN_ORIGIN && url.href.length <= MAX_HREF_LENGTH) {
    post({ type: 'open-link', href: url.href });
  }
};

interface NavigateEventLike extends Event {
  destination?: { sameDocument?: boolean };
}

/** Registers the link guard (capture phase on window). */
export const installLinkGuard = (): void => {
  addListener(win, 'click', onLinkActivation, true);
  addListener(win, 'auxclick', onLinkActivation, true);
};

/**
 * Browsers that fire `navigate` here let us cancel a self-navigation before
 * it starts. The HTML spec disables the Navigation API's events for opaque
 * origins, so in the sandbox this is usually inert; the embedder's
 * frame-src is what actually holds the frame on the sandbox origin.
 */
export const installNavigationGuard = (): void => {
  const navigation = (win as { navigation?: EventTarget }).navigation;
  if (navigation && typeof navigation.addEventListener === 'function') {
    addListener(navigation, 'navigate', (event: Event) => {
      if (!event.cancelable) return;
      const destination = (event as NavigateEventLike).destination;
      if (destination && destination.sameDocument) return;
      preventDefault(event);
    });
  }
};
