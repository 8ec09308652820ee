import type { Metadata } from 'next';
import { signOutAction } from '../_actions/sign-out';
import { AuthScreen } from '../_components/auth-screen';
import { BuildingIcon, SignOutIcon } from '../_components/icons';
import screen from '../_components/auth-screen.module.css';
import styles from './no-org.module.css';

export const metadata: Metadata = { title: 'No organization' };

/** Signed in, but in no organization (removed from the last one, or a fresh account): the server sends people here. */
export default function NoOrgPage() {
  return (
    <AuthScreen below={<>Have an invitation link? Open it in this browser to join.</>}>
      <div className={styles.icon} aria-hidden="true">
        <BuildingIcon size={22} />
      </div>
      <h1 className={screen.title}>No organization yet</h1>
      <p className={screen.lede}>
        You’re signed in but not a member of any organization yet. Ask an admin for an invitation link.
      </p>
      <form action={signOutAction} className={styles.actions}>
        <button type="submit" className="button">
          <SignOutIcon size={16} /> Sign out
        </button>
      </form>
    </AuthScreen>
  );
}
