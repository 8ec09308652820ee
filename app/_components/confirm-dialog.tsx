'use client';

import { useEffect, useId, useRef, type ReactNode } from 'react';
import { BusyLabel } from './busy-label';
import { FormError } from './form-error';
import form from './form.module.css';
import styles from './confirm-dialog.module.css';

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  pendingLabel?: string;
  /** Removing, revoking, leaving: the confirm button is red and Cancel has the focus. */
  destructive?: boolean;
  pending?: boolean;
  error?: string | null;
  onConfirm(): void;
  onClose(): void;
}

/**
 * A native modal <dialog>: the browser traps focus, makes the page inert,
 * closes on Escape and gives focus back to the button that opened it.
 */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  pendingLabel,
  destructive = false,
  pending = false,
  error,
  onConfirm,
  onClose,
}: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      className={styles.dialog}
      role={destructive ? 'alertdialog' : undefined}
      aria-labelledby={titleId}
      aria-describedby={descriptionId}
      onClose={() => {
        if (open) onClose();
      }}
      onCancel={(event) => {
        // Escape while the request is in flight would hide its outcome.
        if (pending) event.preventDefault();
      }}
      onClick={(event) => {
        // A click on the backdrop lands on the <dialog> itself.
        if (event.target === event.currentTarget && !pending) onClose();
      }}
    >
      {open ? (
        <form
          method="dialog"
          onSubmit={(event) => {
            event.preventDefault();
            onConfirm();
          }}
        >
          <div className={styles.body}>
            <h2 id={titleId} className={styles.title}>
              {title}
            </h2>
            <div id={descriptionId} className={styles.description}>
              {children}
            </div>
            {error ? (
              <FormError>{error}</FormError>
            ) : null}
          </div>
          <div className={styles.actions}>
            <button type="button" className="button" onClick={onClose} disabled={pending} autoFocus={destructive}>
              Cancel
            </button>
            <button
              type="submit"
              className={`button ${destructive ? form.dangerSolid : 'button-primary'}`}
              disabled={pending}
              aria-busy={pending}
              autoFocus={!destructive}
            >
              <BusyLabel busy={pending} pending={pendingLabel ?? confirmLabel}>
                {confirmLabel}
              </BusyLabel>
            </button>
          </div>
        </form>
      ) : null}
    </dialog>
  );
}
