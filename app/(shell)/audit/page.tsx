import type { Metadata } from 'next';
import { Suspense } from 'react';
import { AuditLog } from './audit-log';

export const metadata: Metadata = { title: 'Audit log' };

/** `/audit`: the organization's audit log (admins). Filters live in the URL; the client reads them. */
export default function AuditPage() {
  return (
    <main id="main" tabIndex={-1} className="page">
      <Suspense>
        <AuditLog />
      </Suspense>
    </main>
  );
}
