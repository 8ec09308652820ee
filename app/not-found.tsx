import { Brand } from './_components/brand';
import { NotFoundPanel } from './_components/not-found-panel';
import styles from './not-found.module.css';

export const metadata = { title: 'Not found' };

export default function NotFound() {
  return (
    <>
      <header className={styles.header}>
        <Brand />
      </header>
      <main id="main" tabIndex={-1}>
        <NotFoundPanel title="Page not found" message="There is nothing at this address. Check the link, or go back to your artifacts." />
      </main>
    </>
  );
}
