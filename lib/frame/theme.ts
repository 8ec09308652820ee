/*
 * The `theme` message: the app's light or dark. The page's own colours are
 * the page's (nothing here touches the artifact's document, its
 * color-scheme or its media queries); Loupe's overlay — the pick outline
 * and its label, the pins' rings, the flash on focus-pin, text highlights —
 * follows the app, so it reads as part of Loupe on either.
 */
import type { ColorScheme } from '../sandbox/limits';

/** The overlay's colours in one scheme. */
export interface OverlayPalette {
  /** Pick outline, its label's background, a focused pin's ring (the app's accent). */
  pick: string;
  /** The pick outline's fill. */
  pickFill: string;
  /** Text on the pick label. */
  pickInk: string;
  /** The ring around each pin, and around the "changed" dot: the app's background. */
  pinRing: string;
  /** The flash on focus-pin and the "changed" dot (the app's warning colour). */
  attention: string;
  /** Pin shadow. */
  shadow: string;
  /** Alpha of a text highlight in the pin's colour: inactive, active. */
  highlightAlpha: [number, number];
}

export const PALETTES: Readonly<Record<ColorScheme, OverlayPalette>> = {
  light: {
    pick: 'rgb(37, 99, 235)',
    pickFill: 'rgba(37, 99, 235, 0.12)',
    pickInk: 'rgb(255, 255, 255)',
    pinRing: 'rgb(255, 255, 255)',
    attention: 'rgb(245, 158, 11)',
    shadow: 'rgba(0, 0, 0, 0.4)',
    highlightAlpha: [0.25, 0.45],
  },
  dark: {
    pick: 'rgb(140, 152, 255)',
    pickFill: 'rgba(140, 152, 255, 0.18)',
    pickInk: 'rgb(14, 15, 18)',
    pinRing: 'rgb(14, 15, 18)',
    attention: 'rgb(240, 172, 75)',
    shadow: 'rgba(0, 0, 0, 0.7)',
    highlightAlpha: [0.35, 0.55],
  },
};

const theme: { scheme: ColorScheme } = { scheme: 'light' };

/** Records the app's scheme; the overlay reads it (overlay/host.ts applies it). */
export const setScheme = (scheme: ColorScheme): boolean => {
  if (theme.scheme === scheme) return false;
  theme.scheme = scheme;
  return true;
};

export const currentScheme = (): ColorScheme => theme.scheme;
export const currentPalette = (): OverlayPalette => PALETTES[theme.scheme];

/** The custom properties the overlay's stylesheet reads, for the shadow root's :host. */
export const paletteCss = (p: OverlayPalette): string =>
  `:host{--loupe-pick:${p.pick};--loupe-pick-fill:${p.pickFill};--loupe-pick-ink:${p.pickInk};` +
  `--loupe-pin-ring:${p.pinRing};--loupe-attention:${p.attention};--loupe-shadow:${p.shadow}}`;
