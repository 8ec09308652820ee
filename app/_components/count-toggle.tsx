import type { ReactNode } from 'react';
import styles from './count-toggle.module.css';

interface CountBadgeProps {
  children: ReactNode;
  /** What the number means, read after the control's name (", 3 new"); without it the number is read as it is. */
  label?: string;
  /** Neutral until its toggle is open (a count that is always there); accent otherwise (news). */
  quiet?: boolean;
  testId?: string;
}

/** A count in a pill: new versions, open threads, unread notifications. */
export function CountBadge({ children, label, quiet, testId }: CountBadgeProps) {
  return (
    <span className={quiet ? `${styles.badge} ${styles.quiet}` : styles.badge} aria-label={label} data-testid={testId}>
      {children}
    </span>
  );
}

interface CountToggleProps {
  open: boolean;
  /** The id of the panel the toggle shows and hides. */
  controls: string;
  onToggle(): void;
  icon: ReactNode;
  label: string;
  count: number;
  /** Read after the label: ", 3 new". */
  countLabel: string;
  /** Show the badge at 0 too (a standing count, drawn quiet); otherwise only news (> 0) shows. */
  showZero?: boolean;
  /** On narrow screens keep the label for screen readers only: the icon and the count say it. */
  compactLabel?: boolean;
  testId?: string;
  countTestId?: string;
}

/** A header toggle for a side panel that carries a count: "Comments 3", "History 2". */
export function CountToggle({ open, controls, onToggle, icon, label, count, countLabel, showZero, compactLabel, testId, countTestId }: CountToggleProps) {
  return (
    <button type="button" className={`button button-ghost ${styles.toggle}`} aria-expanded={open} aria-controls={controls} onClick={onToggle} data-testid={testId}>
      {icon}
      <span className={compactLabel ? styles.compactLabel : undefined}>{label}</span>
      {showZero || count > 0 ? (
        <CountBadge label={countLabel} quiet={showZero} testId={countTestId}>
          {count}
        </CountBadge>
      ) : null}
    </button>
  );
}
