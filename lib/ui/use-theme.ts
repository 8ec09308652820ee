'use client';

import { useCallback, useSyncExternalStore } from 'react';
import { applyThemeChoice, effectiveScheme, readThemeChoice, THEME_CHANGE_EVENT, type ColorScheme, type ThemeChoice } from './theme';

const DARK_QUERY = '(prefers-color-scheme: dark)';

function subscribe(onChange: () => void): () => void {
  const media = window.matchMedia(DARK_QUERY);
  media.addEventListener('change', onChange);
  window.addEventListener(THEME_CHANGE_EVENT, onChange);
  // Another tab changed the choice.
  window.addEventListener('storage', onChange);
  return () => {
    media.removeEventListener('change', onChange);
    window.removeEventListener(THEME_CHANGE_EVENT, onChange);
    window.removeEventListener('storage', onChange);
  };
}

/** Encoded as one string so useSyncExternalStore compares snapshots by value. */
function snapshot(): string {
  const choice = readThemeChoice();
  return `${choice}:${effectiveScheme(choice)}`;
}

export interface ThemeState {
  choice: ThemeChoice;
  scheme: ColorScheme;
  setChoice(choice: ThemeChoice): void;
}

/** The reader's theme choice and the scheme in effect; null-safe during server render. */
export function useTheme(): ThemeState {
  const value = useSyncExternalStore(subscribe, snapshot, () => 'system:light');
  const [choice, scheme] = value.split(':') as [ThemeChoice, ColorScheme];
  const setChoice = useCallback((next: ThemeChoice) => applyThemeChoice(next), []);
  return { choice, scheme, setChoice };
}
