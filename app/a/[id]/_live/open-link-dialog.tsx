'use client';

import { useCallback, useEffect, useId, useRef, useState, type MouseEvent, type ReactNode, type RefObject } from 'react';
import { linkDestination, type LinkDestination } from '../../../../lib/ui/link-destination';
import { AlertIcon, ExternalLinkIcon, GlobeIcon } from '../../../_components/icons';
import { useModalDialog } from '../../../_components/use-modal-dialog';
import styles from './open-link-dialog.module.css';

/**
 * How long Open stays disabled after the dialog appears. The frame decides
 * when to ask, so it can make the dialog appear under a click the reader
 * already began (the second click of a double click); a button that only
 * works a moment later, on a press that began on it, cannot be taken that way.
 */
export const OPEN_LINK_DELAY_MS = 500;

export interface OpenLinkConfirmation {
  /**
   * The frame wants `href` opened. Asks the reader, in the app's own dialog,
   * only when all of these hold, and otherwise does nothing:
   * - it is an http(s) URL (`linkDestination`);
   * - no confirmation is showing (one at a time: the first one stays, so the
   *   destination cannot change under the reader's pointer);
   * - the frame has the focus and the page has user activation, that is,
   *   the reader has just clicked or pressed a key in this frame.
   * Asking moves the focus out of the frame (to the `main` it sits in), so a
   * frame that asks again the moment the dialog closes (the reader's click on
   * Cancel activates the page again) is ignored until the reader goes back
   * into the frame.
   */
  ask(href: string): void;
  /** The confirmation while one is showing, else null: render it beside the frame. */
  dialog: ReactNode;
}

/**
 * Links out of an artifact, for a view that frames one: the frame's
 * `open-link` is only ever a request, and nothing opens until the reader
 * presses Open in the app's own dialog, which shows where the link goes.
 */
export function useOpenLinkConfirmation(iframeRef: RefObject<HTMLIFrameElement | null>): OpenLinkConfirmation {
  const [destination, setDestination] = useState<LinkDestination | null>(null);
  const isAskingRef = useRef(false);

  const ask = useCallback(
    (href: string) => {
      const iframe = iframeRef.current;
      if (isAskingRef.current || !iframe || document.activeElement !== iframe || !navigator.userActivation.isActive) return;
      const next = linkDestination(href);
      if (!next) return;
      isAskingRef.current = true;
      // The modal dialog gives focus back to what had it when it opened: make that the app, not the frame.
      const home = iframe.closest('main');
      if (home) home.focus({ preventScroll: true });
      if (document.activeElement === iframe) iframe.blur();
      setDestination(next);
    },
    [iframeRef],
  );
  const close = useCallback(() => {
    isAskingRef.current = false;
    setDestination(null);
  }, []);

  return { ask, dialog: destination ? <OpenLinkDialog destination={destination} onClose={close} /> : null };
}

interface OpenLinkDialogProps {
  destination: LinkDestination;
  /** Closed: opened, cancelled, Escape or a click outside. */
  onClose(): void;
}

/**
 * "Open this link?": the whole destination with its host set apart, Cancel
 * focused, and Open (new tab, no opener, no referrer) enabled after
 * `OPEN_LINK_DELAY_MS`. A native modal <dialog>, mounted only while asking.
 */
export function OpenLinkDialog({ destination, onClose }: OpenLinkDialogProps) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  const dialogRef = useModalDialog(onClose, cancelRef);
  const ids = { title: useId(), lead: useId(), url: useId() };
  const [isReady, setIsReady] = useState(false);
  const isReadyRef = useRef(false);
  /** Whether the pointer press that ends in a click began on Open while it was enabled. */
  const isPressedRef = useRef(false);

  useEffect(() => {
    const timer = window.setTimeout(() => {
      isReadyRef.current = true;
      setIsReady(true);
    }, OPEN_LINK_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, []);

  const open = (event: MouseEvent<HTMLButtonElement>) => {
    // A pointer click has detail >= 1; Enter or Space on the focused button gives 0.
    if (!isReadyRef.current || (event.detail > 0 && !isPressedRef.current)) return;
    window.open(destination.href, '_blank', 'noopener,noreferrer');
    dialogRef.current?.close();
  };

  return (
    <dialog
      ref={dialogRef}
      className={styles.dialog}
      aria-labelledby={ids.title}
      aria-describedby={`${ids.lead} ${ids.url}`}
      onClick={(event) => {
        // A click on the backdrop lands on the <dialog> itself.
        if (event.target === event.currentTarget) event.currentTarget.close();
      }}
      data-testid="open-link-dialog"
    >
      <div className={styles.form}>
        <div className={styles.head}>
          <h2 id={ids.title}>Open this link?</h2>
          <p id={ids.lead} className={styles.lead}>
            The artifact wants to open this address in a new tab. Open it only if it is where you meant to go.
          </p>
        </div>

        <div className={styles.destination}>
          <p className={styles.host}>
            <GlobeIcon size={16} className={styles.hostIcon} />
            <span data-testid="link-host">{destination.host}</span>
          </p>
          <p id={ids.url} className={styles.url} data-testid="link-destination">
            <span className={styles.quiet}>{destination.before}</span>
            <strong className={styles.urlHost}>{destination.host}</strong>
            <span className={styles.quiet}>{destination.after}</span>
          </p>
          {destination.isInsecure ? (
            <p className={styles.insecure}>
              <AlertIcon size={14} />
              Not encrypted: anyone on the network can read what you send there.
            </p>
          ) : null}
        </div>

        <div className={styles.actions}>
          <button ref={cancelRef} type="button" className="button" onClick={() => dialogRef.current?.close()}>
            Cancel
          </button>
          <button
            type="button"
            className="button button-primary"
            disabled={!isReady}
            onPointerDown={() => {
              isPressedRef.current = isReadyRef.current;
            }}
            onClick={open}
          >
            <ExternalLinkIcon size={16} />
            Open link
          </button>
        </div>
      </div>
    </dialog>
  );
}
