'use client';

import { QueryClientProvider } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { createQueryClient } from '../lib/query/query-client';

/** The session ended while the page was open: sign in again and come back here. */
function redirectToSignIn(): void {
  const back = window.location.pathname + window.location.search;
  window.location.assign(`/signin?callbackUrl=${encodeURIComponent(back)}`);
}

export function Providers({ children }: { children: ReactNode }) {
  // One client per browser tab; useState keeps it across re-renders.
  const [client] = useState(() => createQueryClient(redirectToSignIn));
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
