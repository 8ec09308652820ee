import type { ReactNode } from 'react';

/** A visually hidden live region: screen readers read out whatever it says next, politely. */
export function Announcer({ children }: { children: ReactNode }) {
  return (
    <p className="visually-hidden" role="status" aria-live="polite">
      {children}
    </p>
  );
}
