'use client';

import { useEffect, useId, useRef, type ReactNode } from 'react';
import { Announcer } from './announcer';
import { AlertIcon, CheckIcon, CopyIcon } from './icons';
import form from './form.module.css';
import styles from './secret-reveal.module.css';
import { useCopy } from './use-copy';

interface SecretRevealProps {
  title: string;
  /** The field's accessible name, e.g. "New agent token". */
  label: string;
  value: string;
  detail?: ReactNode;
  warning: ReactNode;
  onDone(): void;
}

/**
 * A secret the server sends once (token, invitation link): shown with a copy
 * button and a warning, until the reader says they have it. Focus moves here
 * when it appears so keyboard and screen-reader users find it.
 */
export function SecretReveal({ title, label, value, detail, warning, onDone }: SecretRevealProps) {
  const sectionRef = useRef<HTMLElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const titleId = useId();
  const inputId = useId();
  const { state: copy, copy: copyText } = useCopy();

  useEffect(() => {
    sectionRef.current?.focus();
  }, []);

  const copyValue = async () => {
    // Plain http on another host has no Clipboard API: select it for Ctrl+C.
    if (!(await copyText(value))) inputRef.current?.select();
  };

  return (
    <section ref={sectionRef} className={styles.reveal} aria-labelledby={titleId} tabIndex={-1}>
      <div className={styles.head}>
        <span className={styles.check} aria-hidden="true">
          <CheckIcon size={15} />
        </span>
        <h3 id={titleId} className={styles.title}>
          {title}
        </h3>
      </div>
      {detail ? <p className={styles.detail}>{detail}</p> : null}
      <div className="alert alert-warning">
        <AlertIcon size={18} className={form.warningIcon} />
        <span>{warning}</span>
      </div>
      <div className={styles.row}>
        <label htmlFor={inputId} className="visually-hidden">
          {label}
        </label>
        <input
          ref={inputRef}
          id={inputId}
          className={`input ${styles.value}`}
          value={value}
          readOnly
          spellCheck={false}
          autoComplete="off"
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" className="button button-primary" onClick={() => void copyValue()}>
          {copy === 'copied' ? <CheckIcon size={16} /> : <CopyIcon size={16} />}
          {copy === 'copied' ? 'Copied' : 'Copy'}
          <span className="visually-hidden"> {label.toLowerCase()}</span>
        </button>
      </div>
      <Announcer>
        {copy === 'copied' ? 'Copied to the clipboard.' : copy === 'failed' ? 'Could not copy; the text is selected, press Ctrl+C or Command+C.' : ''}
      </Announcer>
      {copy === 'failed' ? <p className={styles.detail}>Couldn’t copy automatically. The text is selected: press Ctrl+C (⌘C on a Mac).</p> : null}
      <div className={styles.footer}>
        <button type="button" className="button" onClick={onDone}>
          Done, I’ve saved it
        </button>
      </div>
    </section>
  );
}
