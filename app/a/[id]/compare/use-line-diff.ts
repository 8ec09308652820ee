'use client';

import { useEffect, useRef, useState } from 'react';
import { diffLines, type LineDiff } from './diff';

type State = { status: 'idle' | 'pending' } | { status: 'done'; diff: LineDiff; key: string } | { status: 'error'; message: string };

/**
 * The line diff of `a` and `b`, computed in a Web Worker so a megabyte page
 * does not freeze the page; on the main thread (after a paint) if a worker
 * cannot start. Null inputs mean "not loaded yet".
 */
export function useLineDiff(a: string | null, b: string | null, key: string): { diff: LineDiff | null; pending: boolean; error: string | null } {
  const [state, setState] = useState<State>({ status: 'idle' });
  const workerRef = useRef<Worker | null>(null);
  const failedRef = useRef(false);
  const seqRef = useRef(0);

  useEffect(
    () => () => {
      workerRef.current?.terminate();
      workerRef.current = null;
    },
    [],
  );

  useEffect(() => {
    if (a === null || b === null) return;
    const id = ++seqRef.current;
    setState({ status: 'pending' });
    let cancelled = false;
    const onMainThread = () => {
      const timer = window.setTimeout(() => {
        if (cancelled) return;
        try {
          setState({ status: 'done', diff: diffLines(a, b), key });
        } catch (error) {
          setState({ status: 'error', message: error instanceof Error ? error.message : String(error) });
        }
      }, 16);
      return () => window.clearTimeout(timer);
    };
    if (failedRef.current || typeof Worker === 'undefined') {
      const stop = onMainThread();
      return () => {
        cancelled = true;
        stop();
      };
    }
    let worker = workerRef.current;
    try {
      worker ??= new Worker(new URL('./diff.worker.ts', import.meta.url), { type: 'module' });
      workerRef.current = worker;
    } catch {
      failedRef.current = true;
      const stop = onMainThread();
      return () => {
        cancelled = true;
        stop();
      };
    }
    let stopFallback = () => {};
    const onMessage = (event: MessageEvent<{ id: number; diff?: LineDiff; error?: string }>) => {
      if (cancelled || event.data.id !== id) return;
      if (event.data.diff) setState({ status: 'done', diff: event.data.diff, key });
      else setState({ status: 'error', message: event.data.error ?? 'The comparison failed.' });
    };
    const onError = () => {
      // The worker script could not load (CSP, an old browser): do it here instead.
      failedRef.current = true;
      worker?.terminate();
      workerRef.current = null;
      if (!cancelled) stopFallback = onMainThread();
    };
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
    worker.postMessage({ id, a, b });
    return () => {
      cancelled = true;
      stopFallback();
      worker?.removeEventListener('message', onMessage);
      worker?.removeEventListener('error', onError);
    };
  }, [a, b, key]);

  if (state.status === 'done' && state.key === key) return { diff: state.diff, pending: false, error: null };
  if (state.status === 'error') return { diff: null, pending: false, error: state.message };
  return { diff: null, pending: a !== null && b !== null, error: null };
}
