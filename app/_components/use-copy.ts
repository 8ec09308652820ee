'use client';

import { useEffect, useState } from 'react';

const COPIED_FEEDBACK_MS = 2000;

export type CopyState = 'idle' | 'copied' | 'failed';

/**
 * Copy to the clipboard with feedback that fades after two seconds: the one
 * copy behaviour of the secret reveal and the gallery's copy button. Plain http
 * on another host has no Clipboard API: that is a failure, not an exception.
 */
export function useCopy(): { state: CopyState; copy(text: string): Promise<boolean> } {
  const [state, setState] = useState<CopyState>('idle');

  useEffect(() => {
    if (state === 'idle') return;
    const timer = window.setTimeout(() => setState('idle'), COPIED_FEEDBACK_MS);
    return () => window.clearTimeout(timer);
  }, [state]);

  const copy = async (text: string): Promise<boolean> => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(text);
      setState('copied');
      return true;
    } catch {
      setState('failed');
      return false;
    }
  };

  return { state, copy };
}
