'use client';

import { AlertIcon } from '../../_components/icons';
import form from '../../_components/form.module.css';
import styles from './settings.module.css';

/** A section's "still loading" line. */
export function Loading({ label }: { label: string }) {
  return (
    <div className={styles.loading} role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </div>
  );
}

/** A failed load, with another try. */
export function LoadError({ what, error, onRetry }: { what: string; error: Error; onRetry(): void }) {
  return (
    <div className="alert" role="alert">
      <AlertIcon size={18} className={form.alertIcon} />
      <span>
        Couldn’t load {what}: {error.message}{' '}
        <button type="button" className={form.linkButton} onClick={onRetry}>
          Try again
        </button>
      </span>
    </div>
  );
}

/** A mutation's failure, next to the control that caused it. */
export function ErrorAlert({ message }: { message: string }) {
  return (
    <div className="alert" role="alert">
      <AlertIcon size={18} className={form.alertIcon} />
      <span>{message}</span>
    </div>
  );
}
