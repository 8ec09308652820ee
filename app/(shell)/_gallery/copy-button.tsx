'use client';

import { useEffect, useState } from 'react';
import { CheckIcon, CopyIcon } from '../../_components/icons';
import styles from './empty-state.module.css';

const COPIED_FEEDBACK_MS = 2000;

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');

  useEffect(() => {
    if (state === 'idle') return;
    const timer = window.setTimeout(() => setState('idle'), COPIED_FEEDBACK_MS);
    return () => window.clearTimeout(timer);
  }, [state]);

  const copy = () => {
    navigator.clipboard.writeText(text).then(
      () => setState('copied'),
      () => setState('failed'),
    );
  };

  return (
    <button type="button" className={styles.copy} onClick={copy} aria-label={label}>
      {state === 'copied' ? <CheckIcon size={15} /> : <CopyIcon size={15} />}
      <span aria-live="polite">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}</span>
    </button>
  );
}
