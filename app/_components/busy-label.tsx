import type { ReactNode } from 'react';

/** A submit button's words: a spinner and the pending words while busy, otherwise its label. */
export function BusyLabel({ busy, pending, children }: { busy: boolean; pending: ReactNode; children: ReactNode }) {
  return busy ? (
    <>
      <span className="spinner" aria-hidden="true" /> {pending}
    </>
  ) : (
    <>{children}</>
  );
}
