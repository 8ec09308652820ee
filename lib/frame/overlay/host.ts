/*
 * Review: the overlay.
 *
 * Everything a reviewer sees is drawn in one host element appended to
 * <html>, with a closed shadow root: the artifact's styles do not reach in,
 * its scripts cannot get at the root, and its own elements are never
 * touched (no classes, no outlines). The morph only ever touches nodes it
 * built from source, so it leaves the host alone; if the artifact removes
 * it, the next render or layout puts it back. Input aimed at the host is
 * handled on window, before any listener the artifact can register, and
 * stopped there: the artifact never sees a click on a pin.
 *
 * Text highlights use the CSS Custom Highlight API (ranges, no DOM
 * changes), coloured by a constructed stylesheet adopted by the document.
 */
import { MAX_PIXELS } from '../../sandbox/limits';
import {
  CSSStyleSheetCtor,
  HTML_NS,
  adoptedSheetsOf,
  appendChild,
  attachShadowNative,
  createElementNS,
  doc,
  documentElementOf,
  getAttribute,
  getTextContent,
  max,
  min,
  parentOf,
  rectHeight,
  rectLeft,
  rectTop,
  rectWidth,
  removeAttributeNS,
  replaceSheetText,
  setAdoptedSheets,
  setAttributeNS,
  setTextContent,
} from '../intrinsics';
import { currentPalette, paletteCss } from '../theme';

export const OVERLAY_TAG = 'loupe-overlay';
// Inline and !important: a style attribute outranks every author rule,
// important ones in cascade layers included. `all` also resets what the
// shadow tree would inherit.
const HOST_STYLE =
  'all:initial!important;display:block!important;position:absolute!important;top:0!important;' +
  'left:0!important;width:0!important;height:0!important;overflow:visible!important;' +
  'z-index:2147483647!important;pointer-events:none!important;visibility:visible!important;';
export const PIN_SIZE = 22;
export const PIN_GAP = 4;
export const FLASH_MS = 1400;
// Colours come from custom properties set on :host by the theme (theme.ts).
const OVERLAY_CSS = `
  [hidden] { display: none !important; }
  .pin {
    position: absolute; box-sizing: border-box; min-width: ${PIN_SIZE}px; height: ${PIN_SIZE}px;
    margin: 0; padding: 0 4px; border: 2px solid var(--loupe-pin-ring); border-radius: ${PIN_SIZE / 2}px;
    background: var(--pin-color); color: var(--pin-ink);
    font: 700 11px/18px system-ui, -apple-system, "Segoe UI", sans-serif; text-align: center;
    white-space: nowrap; cursor: pointer; pointer-events: auto; appearance: none; user-select: none;
    box-shadow: 0 1px 3px var(--loupe-shadow);
  }
  .pin[data-state="changed"]::after {
    content: ''; position: absolute; top: -4px; right: -4px; width: 7px; height: 7px;
    border: 1.5px solid var(--loupe-pin-ring); border-radius: 50%; background: var(--loupe-attention);
  }
  .pin.active { outline: 3px solid var(--pin-color); outline-offset: 2px; }
  .pin:focus-visible { outline: 3px solid var(--loupe-pick); outline-offset: 2px; }
  .pick {
    position: absolute; box-sizing: border-box; border: 2px solid var(--loupe-pick);
    background: var(--loupe-pick-fill); border-radius: 3px; pointer-events: none;
  }
  .pick-label {
    position: absolute; left: -2px; bottom: 100%; margin-bottom: 2px; padding: 1px 6px;
    border-radius: 3px; background: var(--loupe-pick); color: var(--loupe-pick-ink);
    font: 600 11px/16px ui-monospace, SFMono-Regular, Menlo, monospace; white-space: nowrap;
  }
  .pick.label-inside .pick-label { bottom: auto; top: 0; left: 0; margin: 0; }
  .flash {
    position: absolute; box-sizing: border-box; border: 3px solid var(--loupe-attention);
    border-radius: 4px; pointer-events: none; animation: loupe-flash ${FLASH_MS}ms ease-out forwards;
  }
  @keyframes loupe-flash { 0%, 50% { opacity: 1; } 100% { opacity: 0; } }
  @media (prefers-reduced-motion: reduce) { .flash { animation: none; } }
`;
// While picking: a crosshair everywhere, and no text selection by dragging.
const PICK_CSS = '*,*::before,*::after{cursor:crosshair!important;user-select:none!important;-webkit-user-select:none!important}';

/** The overlay's parts; all null until createOverlay (at start, before any artifact code). */
export interface OverlayParts {
  host: Element;
  root: ShadowRoot;
  /** The theme's custom properties (replaced when the app's scheme changes). */
  themeStyle: Element;
  pinLayer: Element;
  pickBox: Element;
  pickLabel: Element;
  sheet: CSSStyleSheet;
}
export const overlay: { parts: OverlayParts | null } = { parts: null };

/** What the document's review sheet holds: the crosshair while picking, and the highlight colours. */
export const reviewSheetState = { picking: false, highlightCss: '' };
let reviewSheetText: string | null = null;

export const makeOverlayElement = (name: string, className: string, parent: Node): Element => {
  const el = createElementNS(doc, HTML_NS, name);
  if (className) setAttributeNS(el, null, 'class', className);
  appendChild(parent, el);
  return el;
};

export const setAttrIfChanged = (el: Element, name: string, value: string): void => {
  if (getAttribute(el, name) !== value) setAttributeNS(el, null, name, value);
};

export const setHidden = (el: Element, hidden: boolean): void => {
  if (hidden) setAttrIfChanged(el, 'hidden', '');
  else removeAttributeNS(el, null, 'hidden');
};

/** Made once, before any artifact code runs, so the page cannot define the element first. */
export const createOverlay = (): void => {
  const host = createElementNS(doc, HTML_NS, OVERLAY_TAG);
  const root = attachShadowNative(host, { mode: 'closed' });
  const themeStyle = makeOverlayElement('style', '', root);
  setTextContent(themeStyle, paletteCss(currentPalette()));
  setTextContent(makeOverlayElement('style', '', root), OVERLAY_CSS);
  const pinLayer = makeOverlayElement('div', '', root);
  const pickBox = makeOverlayElement('div', 'pick', root);
  const pickLabel = makeOverlayElement('span', 'pick-label', pickBox);
  setHidden(pickBox, true);
  overlay.parts = { host, root, themeStyle, pinLayer, pickBox, pickLabel, sheet: new CSSStyleSheetCtor() };
  ensureOverlay();
};

/** Recolours the overlay for the app's current scheme (the highlights follow at the next placement). */
export const applyOverlayTheme = (): void => {
  const parts = overlay.parts;
  if (parts === null) return;
  const css = paletteCss(currentPalette());
  if (getTextContent(parts.themeStyle) !== css) setTextContent(parts.themeStyle, css);
};

/** The constructed sheet holds the highlight colours, and the crosshair while picking. */
export const applyReviewSheet = (): void => {
  const parts = overlay.parts;
  if (parts === null) return;
  const text = (reviewSheetState.picking ? PICK_CSS : '') + reviewSheetState.highlightCss;
  if (text !== reviewSheetText) {
    replaceSheetText(parts.sheet, text);
    reviewSheetText = text;
  }
  const sheets = adoptedSheetsOf(doc);
  if (sheets.indexOf(parts.sheet) < 0) setAdoptedSheets(doc, [...sheets, parts.sheet]);
};

/** Puts the host back (and its style) if the artifact removed or restyled it. */
export const ensureOverlay = (): void => {
  const parts = overlay.parts;
  if (parts === null) return;
  setAttrIfChanged(parts.host, 'style', HOST_STYLE);
  const root = documentElementOf(doc);
  if (root !== null && parentOf(parts.host) !== root) appendChild(root, parts.host);
  applyReviewSheet();
};

export const clampCoordinate = (n: number): number => (n === n ? max(-MAX_PIXELS, min(MAX_PIXELS, n)) : 0);
export const clampSize = (n: number): number => (n === n ? max(0, min(MAX_PIXELS, n)) : 0);
export const viewportRect = (r: DOMRectReadOnly): { x: number; y: number; width: number; height: number } => ({
  x: clampCoordinate(rectLeft(r)),
  y: clampCoordinate(rectTop(r)),
  width: clampSize(rectWidth(r)),
  height: clampSize(rectHeight(r)),
});

/** A box in the overlay's coordinates (the host sits at the document origin, wherever CSS puts it). */
export const overlayBoxStyle = (r: DOMRectReadOnly, origin: DOMRectReadOnly, pad: number): string =>
  `left:${rectLeft(r) - rectLeft(origin) - pad}px;top:${rectTop(r) - rectTop(origin) - pad}px;` +
  `width:${rectWidth(r) + 2 * pad}px;height:${rectHeight(r) + 2 * pad}px`;
