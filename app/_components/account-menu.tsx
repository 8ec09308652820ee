'use client';

import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { meQueryOptions } from '../../lib/query/me';
import { initialsOf } from '../../lib/ui/format';
import { signOutAction } from '../_actions/sign-out';
import { ChevronDownIcon, SignOutIcon } from './icons';
import styles from './account-menu.module.css';

/**
 * The signed-in user: initials in the header, and a disclosure with who
 * they are, their organization and the sign-out button. A native
 * <details> is keyboard-operable as is; Escape and an outside click close it.
 */
export function AccountMenu() {
  const me = useQuery(meQueryOptions());
  const detailsRef = useRef<HTMLDetailsElement>(null);

  useEffect(() => {
    const details = detailsRef.current;
    if (!details) return;
    const close = () => {
      details.open = false;
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && details.open) {
        close();
        details.querySelector('summary')?.focus();
      }
    };
    const onPointerDown = (event: PointerEvent) => {
      if (details.open && event.target instanceof Node && !details.contains(event.target)) close();
    };
    document.addEventListener('keydown', onKeyDown);
    document.addEventListener('pointerdown', onPointerDown);
    return () => {
      document.removeEventListener('keydown', onKeyDown);
      document.removeEventListener('pointerdown', onPointerDown);
    };
  }, []);

  const name = me.data?.user.name ?? '';
  return (
    <details ref={detailsRef} className={styles.menu}>
      <summary className={styles.summary} aria-label={name ? `Account: ${name}` : 'Account'}>
        <span className={styles.avatar} aria-hidden="true">
          {name ? initialsOf(name) : ''}
        </span>
        <span className={styles.summaryName} aria-hidden="true">
          {name}
        </span>
        <ChevronDownIcon size={16} className={styles.chevron} />
      </summary>
      <div className={styles.panel}>
        {me.data ? (
          <div className={styles.identity}>
            <p className={styles.name}>{me.data.user.name}</p>
            {me.data.user.email ? <p className={styles.muted}>{me.data.user.email}</p> : null}
            {me.data.org ? (
              <p className={styles.org}>
                {me.data.org.name} <span className="chip">{me.data.role}</span>
              </p>
            ) : null}
          </div>
        ) : (
          <p className={styles.muted}>{me.isError ? 'Could not load your account.' : 'Loading…'}</p>
        )}
        <form action={signOutAction} className={styles.signOut}>
          <button type="submit" className="button button-ghost">
            <SignOutIcon size={16} /> Sign out
          </button>
        </form>
      </div>
    </details>
  );
}
