import Link from 'next/link';
import styles from './not-found-panel.module.css';

/** The 404 state: for unknown routes and for artifacts that do not exist or are not yours. */
export function NotFoundPanel({ title, message }: { title: string; message: string }) {
  return (
    <section className={styles.panel} aria-labelledby="not-found-title">
      <p className={styles.code} aria-hidden="true">
        404
      </p>
      <h1 id="not-found-title">{title}</h1>
      <p className={styles.message}>{message}</p>
      <Link href="/" className="button button-primary">
        Back to artifacts
      </Link>
    </section>
  );
}
