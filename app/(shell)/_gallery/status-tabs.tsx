'use client';

import type { StatusFilter } from './status-filter';
import styles from './status-tabs.module.css';

const OPTIONS: ReadonlyArray<{ value: StatusFilter; label: string }> = [
  { value: 'all', label: 'All' },
  { value: 'draft', label: 'Drafts' },
  { value: 'published', label: 'Published' },
];

/** All / Drafts / Published as one radio group: Tab reaches it once, arrow keys move between the three. */
export function StatusTabs({ value, onChange }: { value: StatusFilter; onChange(value: StatusFilter): void }) {
  return (
    <fieldset className={styles.group}>
      <legend className="visually-hidden">Show</legend>
      {OPTIONS.map((option) => (
        <label key={option.value} className={styles.option}>
          <input
            type="radio"
            name="artifact-status"
            value={option.value}
            checked={value === option.value}
            onChange={() => onChange(option.value)}
            className={styles.input}
          />
          <span className={styles.label}>{option.label}</span>
        </label>
      ))}
    </fieldset>
  );
}
