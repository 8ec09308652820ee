/**
 * The colour scheme: "system" follows prefers-color-scheme; "light" and
 * "dark" are the reader's explicit choice, kept in localStorage. The choice
 * lives on <html data-theme>, which globals.css reads.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';
export type ColorScheme = 'light' | 'dark';

export const THEME_STORAGE_KEY = 'loupe.theme';
export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];

export function isThemeChoice(value: unknown): value is ThemeChoice {
  return value === 'system' || value === 'light' || value === 'dark';
}

/**
 * Runs inline in <head> before first paint, so a dark-mode reader never sees
 * a white flash. Kept tiny and dependency-free; mirrors applyThemeChoice.
 */
export const THEME_BOOT_SCRIPT = `(function(){try{var t=localStorage.getItem(${JSON.stringify(THEME_STORAGE_KEY)});if(t==='light'||t==='dark')document.documentElement.dataset.theme=t;}catch(e){}})();`;

export function readThemeChoice(): ThemeChoice {
  try {
    const stored = window.localStorage.getItem(THEME_STORAGE_KEY);
    return isThemeChoice(stored) ? stored : 'system';
  } catch {
    // Storage can be disabled (privacy settings); the system scheme still works.
    return 'system';
  }
}

export function applyThemeChoice(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
  try {
    if (choice === 'system') window.localStorage.removeItem(THEME_STORAGE_KEY);
    else window.localStorage.setItem(THEME_STORAGE_KEY, choice);
  } catch {
    // Not persisted, but applied for this page: the best we can do.
  }
  window.dispatchEvent(new CustomEvent(THEME_CHANGE_EVENT));
}

/** Fired on window when the choice changes, so every component and the frame can follow. */
export const THEME_CHANGE_EVENT = 'loupe:themechange';

/** The scheme actually in effect right now. */
export function effectiveScheme(choice: ThemeChoice): ColorScheme {
  if (choice !== 'system') return choice;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}
