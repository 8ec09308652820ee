'use client';

import { CheckIcon, CopyIcon } from '../../_components/icons';
import { useCopy } from '../../_components/use-copy';
import styles from './empty-state.module.css';

export function CopyButton({ text, label }: { text: string; label: string }) {
  const { state, copy } = useCopy();

  return (
    <button type="button" className={styles.copy} onClick={() => void copy(text)} aria-label={label}>
      {state === 'copied' ? <CheckIcon size={15} /> : <CopyIcon size={15} />}
      <span aria-live="polite">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}</span>
    </button>
  );
}
