'use client';

import { useEffect, useState } from 'react';

const NOW_TICK_MS = 30_000;

/** A clock for relative times ("5 min ago") that ticks each half minute. */
export function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), NOW_TICK_MS);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}
