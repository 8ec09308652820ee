import type { Metadata } from 'next';
import { Suspense } from 'react';
import { InboxView } from './inbox-view';

export const metadata: Metadata = { title: 'Inbox' };

/** `/inbox`: the signed-in person's notifications. The tab lives in the URL (`?filter=all`); the client reads it. */
export default function InboxPage() {
  return (
    <main id="main" tabIndex={-1} className="page">
      <Suspense>
        <InboxView />
      </Suspense>
    </main>
  );
}
