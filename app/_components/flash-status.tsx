'use client';

import { useEffect, useState } from 'react';
import { CheckIcon } from './icons';
import form from './form.module.css';

/** A success line that clears itself after a few seconds. */
export function useFlash(): [string, (message: string) => void] {
  const [message, setMessage] = useState('');
  useEffect(() => {
    if (!message) return;
    const timer = window.setTimeout(() => setMessage(''), 4000);
    return () => window.clearTimeout(timer);
  }, [message]);
  return [message, setMessage];
}

/** Where a form says it saved: a check and the message, read out politely; empty otherwise. */
export function FlashStatus({ message }: { message: string }) {
  return (
    <p className={form.status} role="status" aria-live="polite">
      {message ? (
        <>
          <CheckIcon size={16} /> {message}
        </>
      ) : null}
    </p>
  );
}
