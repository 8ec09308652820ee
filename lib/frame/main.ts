/*
 * Loupe's artifact frame program: the entry point.
 *
 * Bundled by esbuild (lib/sandbox/frame-bundle.ts) and inlined into the
 * document served at <sandboxOrigin>/frame (the sandbox CSP allows only
 * inline scripts), inside <iframe sandbox="allow-scripts">, so it runs with
 * an opaque origin and talks to the app only through postMessage. It runs
 * in <head>, before any artifact code exists.
 *
 * Modules, in the order they act:
 *   intrinsics      the DOM primitives, captured before anything can patch them
 *   channel         posting to the parent: ready, rendered, scroll, error
 *   protocol        validation of what the app sends (render, scrollTo, theme,
 *                   pick, pins, focus-pin)
 *   guards/         no way out: links and navigations, forms, the realm guard
 *                   (no WebRTC, no nested document, every shadow root seen),
 *                   document.write
 *   parse, hash     page source → vnodes with content hashes
 *   keying, patch   diff the previous tree against the new one and patch the
 *                   live DOM through vnode.live, leaving nodes the artifact's
 *                   scripts made alone
 *   scripts         run new inline scripts once, in document order
 *   keep-place      keep the element at the top of the viewport where it was
 *   overlay/        review: an overlay the artifact cannot style, pick mode,
 *                   text selection reports, comment pins and highlights
 *   theme           the overlay follows the app's light/dark
 *   render          state, coalescing and applying renders
 *
 * Only this module has effects at load (listeners, replaced methods); the
 * others define things. The order below is the order of registration, and
 * it matters: ours run before anything the artifact registers.
 */
import { describe, post, reportError, reportScroll, scriptErrors } from './channel';
import { installDocumentWrite } from './guards/document-write';
import { installFormGuard } from './guards/forms';
import { installLinkGuard, installNavigationGuard } from './guards/navigation';
import { installRealmGuard } from './guards/realm';
import {
  ErrorEventCtor,
  ResizeObserverCtor,
  addListener,
  bodyOf,
  doc,
  documentElementOf,
  eventTarget,
  msgData,
  msgSource,
  parentWin,
  scrollTo,
  stopImmediatePropagation,
  win,
} from './intrinsics';
import { applyOverlayTheme, createOverlay } from './overlay/host';
import { onBodyResized, scheduleOverlayLayout } from './overlay/layout';
import { onGuardedInput, onPickPointerMove, startPicking, stopPicking } from './overlay/pick';
import { focusPin, setPins } from './overlay/pins';
import { onPageScrolled, onSelectionChange } from './overlay/selection';
import { isLoupeMessage, readAppMessage } from './protocol';
import { flushPending, requestPatch, requestRender, startRendering } from './render';
import { installLoadEvents } from './scripts';
import { setScheme } from './theme';

const onMessage = (event: MessageEvent): void => {
  if (msgSource(event) !== parentWin) return;
  const data = msgData(event) as unknown;
  if (!isLoupeMessage(data)) return;
  // Ours, not the artifact's: its own message handlers never see it.
  stopImmediatePropagation(event);
  const message = readAppMessage(data);
  if (message === null) return;
  switch (message.type) {
    case 'render':
      requestRender(message.rev, message.html);
      break;
    case 'patch':
      requestPatch(message.rev, message.base, message.ops, message.length);
      break;
    case 'scrollTo':
      scrollTo({ top: message.y, left: 0, behavior: 'instant' });
      break;
    case 'theme':
      // Only Loupe's overlay follows it; the page keeps its own colours.
      if (setScheme(message.scheme)) {
        applyOverlayTheme();
        scheduleOverlayLayout();
      }
      break;
    case 'pick':
      if (message.on) startPicking();
      else stopPicking();
      break;
    case 'pins':
      setPins(message.pins);
      break;
    case 'focus-pin':
      focusPin(message.id);
      break;
  }
};

// Registered first and in the capture phase, so these run before anything
// an artifact registers on window.
addListener(win, 'message', onMessage as EventListener, true);
// Capturing on window also sees scrolls of inner boxes: only the page's own
// count as scrolling, but an inner box moves the pins drawn over it.
addListener(
  win,
  'scroll',
  (event: Event) => {
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
// Input for the overlay and for pick mode, ahead of the link and form
// handling below: these must be able to stop an event before it activates
// anything.
const GUARDED_INPUT = ['click', 'auxclick', 'dblclick', 'contextmenu', 'mousedown', 'mouseup', 'pointerdown', 'pointerup', 'keydown', 'keyup', 'keypress'];
for (let i = 0; i < GUARDED_INPUT.length; i++) addListener(win, GUARDED_INPUT[i], onGuardedInput, true);
addListener(win, 'pointermove', onPickPointerMove, { capture: true, passive: true });
addListener(doc, 'selectionchange', onSelectionChange, { passive: true });
addListener(
  win,
  'error',
  (event: Event) => {
    // Resource load failures are plain Events; only script errors matter.
    if (!(event instanceof ErrorEventCtor)) return;
    const where = event.lineno ? ` (line ${event.lineno}:${event.colno})` : '';
    const text = `${event.message || describe(event.error)}${where}`;
    if (scriptErrors.sink !== null) scriptErrors.sink.push(text);
    else reportError(text);
  },
  true,
);
addListener(win, 'unhandledrejection', (event: Event) => reportError(`Unhandled rejection: ${describe((event as PromiseRejectionEvent).reason)}`), true);
addListener(
  doc,
  'securitypolicyviolation',
  (event: Event) => {
    const e = event as SecurityPolicyViolationEvent;
    reportError(`Blocked by the sandbox (${e.effectiveDirective}): ${e.blockedURI || 'inline'}`);
  },
  true,
);

// No way out: links, forms, navigations; then the realm guard.
installLinkGuard();
installFormGuard();
installNavigationGuard();
installRealmGuard();
// Scripts: load events fire once per listener; document.write goes in after its script.
installLoadEvents();
installDocumentWrite();

const start = (): void => {
  startRendering();
  createOverlay();
  if (ResizeObserverCtor !== null) {
    // The page grows as its scripts and images settle; keep the app's
    // idea of scrollHeight current without waiting for a scroll, and the
    // pins on their elements as the content reflows.
    new ResizeObserverCtor(reportScroll).observe(documentElementOf(doc) as Element);
    new ResizeObserverCtor(onBodyResized).observe(bodyOf(doc) as Element);
  }
  // `delta`: this frame applies `patch` messages (the delta protocol).
  post({ type: 'ready', delta: true });
  flushPending();
};

// This script runs in <head>: <body> does not exist until parsing ends.
if (doc.readyState === 'loading') addListener(doc, 'DOMContentLoaded', start, { once: true });
else start();
