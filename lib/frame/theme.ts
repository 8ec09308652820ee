/*
 * The `theme` message: the app's light/dark. The page's own colours are the
 * page's; only Loupe's overlay follows it.
 */
import type { ColorScheme } from '../sandbox/limits';

let scheme: ColorScheme = 'light';

export const setTheme = (next: ColorScheme): void => {
  scheme = next;
};

export const currentTheme = (): ColorScheme => scheme;
