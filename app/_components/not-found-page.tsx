import { Brand } from './brand';
import { NotFoundPanel } from './not-found-panel';
import styles from '../not-found.module.css';

/** A whole 404 page: the brand bar and one panel. */
export function NotFoundPage({ title, message }: { title: string; message: string }) {
  return (
    <>
      <header className={styles.header}>
        <Brand />
      </header>
      <main id="main" tabIndex={-1}>
        <NotFoundPanel title={title} message={message} />
      </main>
    </>
  );
}
