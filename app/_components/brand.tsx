import Link from 'next/link';
import { LoupeMark } from './icons';
import styles from './brand.module.css';

/** The Loupe mark and name, linking home. */
export function Brand({ showName = true }: { showName?: boolean }) {
  return (
    <Link href="/" className={styles.brand} aria-label="Loupe, all artifacts">
      <LoupeMark size={26} />
      {showName ? <span className={styles.name}>Loupe</span> : null}
    </Link>
  );
}
