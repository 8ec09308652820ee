'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { explainClose } from './close-reasons';
import styles from './live-view.module.css';

/** Shown under the header when the server closed the live connection for good. */
export function CloseBanner({ code, onRetry }: { code: number; onRetry(): void }) {
  const pathname = usePathname();
  const explanation = explainClose(code) ?? { message: `The live connection closed (code ${code}).`, action: 'retry' as const };
  return (
    <div className={`alert alert-warning ${styles.banner}`} role="alert">
      <span>
        {explanation.message} The page below may be out of date.{' '}
        {explanation.action === 'sign-in' ? (
          <Link href={`/signin?callbackUrl=${encodeURIComponent(pathname)}`}>Sign in again</Link>
        ) : explanation.action === 'retry' ? (
          <button type="button" className="button button-ghost" onClick={onRetry}>
            Try again
          </button>
        ) : (
          <Link href="/">Back to artifacts</Link>
        )}
      </span>
    </div>
  );
}
