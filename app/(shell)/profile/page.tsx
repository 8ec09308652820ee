import type { Metadata } from 'next';
import { ProfileView } from './profile-view';
import styles from './profile.module.css';

export const metadata: Metadata = { title: 'Profile' };

export default function ProfilePage() {
  return (
    <main id="main" tabIndex={-1} className={`page ${styles.page}`}>
      <div className={styles.header}>
        <h1>Profile</h1>
        <p className={styles.subtitle}>Your name, password, organizations and sessions.</p>
      </div>
      <ProfileView />
    </main>
  );
}
