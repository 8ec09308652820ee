'use client';

import { useEffect, useRef, type RefObject } from 'react';

/**
 * A native modal `<dialog>` that is open for as long as its component is
 * mounted: shown with `showModal()` on mount (focus trapped, page inert,
 * Escape closes), focus on `initialFocus`, `onClose` called when it closes
 * (Escape, a form with method="dialog", `close()`). Unmounting by the parent
 * closes it without calling `onClose`: the parent already knows. While
 * `keepOpen.current` is true, Escape does nothing (a send in flight would
 * hide its outcome).
 */
export function useModalDialog(
  onClose: () => void,
  initialFocus: RefObject<HTMLElement | null>,
  keepOpen?: RefObject<boolean>,
): RefObject<HTMLDialogElement | null> {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const onCloseRef = useRef(onClose);
  useEffect(() => {
    onCloseRef.current = onClose;
  }, [onClose]);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    initialFocus.current?.focus();
    const onDialogClose = () => onCloseRef.current();
    const onCancel = (event: Event) => {
      if (keepOpen?.current) event.preventDefault();
    };
    dialog.addEventListener('close', onDialogClose);
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('close', onDialogClose);
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
    };
    // Once per mount: the refs are stable (callers pass useRef objects), and onClose is read through its ref.
  }, [initialFocus, keepOpen]);

  return dialogRef;
}
