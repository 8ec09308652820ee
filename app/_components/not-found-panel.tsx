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

/** The same words wherever an artifact is missing or not the reader's: the two must read alike. */
export function ArtifactNotFoundPanel() {
  return (
    <NotFoundPanel
      title="Artifact not found"
      message="It may have been removed, or it belongs to an organization you are not a member of. Check the link with whoever shared it."
    />
  );
}
