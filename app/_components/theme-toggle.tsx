'use client';

import { useTheme } from '../../lib/ui/use-theme';
import { THEME_CHOICES, type ThemeChoice } from '../../lib/ui/theme';
import { MonitorIcon, MoonIcon, SunIcon } from './icons';

const LABEL: Record<ThemeChoice, string> = { system: 'System', light: 'Light', dark: 'Dark' };

function nextChoice(choice: ThemeChoice): ThemeChoice {
  return THEME_CHOICES[(THEME_CHOICES.indexOf(choice) + 1) % THEME_CHOICES.length];
}

/** One button cycling System → Light → Dark; the choice is kept in localStorage. */
export function ThemeToggle() {
  const { choice, setChoice } = useTheme();
  const next = nextChoice(choice);
  const Icon = choice === 'light' ? SunIcon : choice === 'dark' ? MoonIcon : MonitorIcon;
  return (
    <button
      type="button"
      className="icon-button"
      onClick={() => setChoice(next)}
      aria-label={`Theme: ${LABEL[choice]}. Switch to ${LABEL[next]}.`}
      title={`Theme: ${LABEL[choice]} (switch to ${LABEL[next]})`}
      data-theme-choice={choice}
    >
      <Icon />
    </button>
  );
}
