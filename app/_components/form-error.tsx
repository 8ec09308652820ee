'use client';

import type { ReactNode } from 'react';
import { AlertIcon } from './icons';
import form from './form.module.css';

/** A failure next to the form or control that caused it: the red alert with its icon. */
export function FormError({ id, children }: { id?: string; children: ReactNode }) {
  return (
    <div className="alert" role="alert" id={id}>
      <AlertIcon size={18} className={form.alertIcon} />
      <span>{children}</span>
    </div>
  );
}

/** A failed load, with another try. */
export function LoadError({ what, error, onRetry }: { what: string; error: Error; onRetry(): void }) {
  return (
    <FormError>
      Couldn’t load {what}: {error.message}{' '}
      <button type="button" className={form.linkButton} onClick={onRetry}>
        Try again
      </button>
    </FormError>
  );
}
