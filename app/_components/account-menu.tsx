'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useEffect, useRef } from 'react';
import { meQueryOptions } from '../../lib/query/me';
import { switchOrgMutationOptions } from '../../lib/query/profile';
import { initialsOf } from '../../lib/ui/format';
import { roleLabel } from '../../lib/ui/roles';
import { signOutAction } from '../_actions/sign-out';
import { BuildingIcon, CheckIcon, ChevronDownIcon, KeyIcon, ListIcon, PlusIcon, SettingsIcon, SignOutIcon, UserIcon } from './icons';
import styles from './account-menu.module.css';

/** The "New organization" form on the profile page (its id is the anchor). */
const NEW_ORG_HREF = '/profile#new-org';
const NEW_ORG_ID = 'new-org';

/**
 * The signed-in user: initials in the header, and a disclosure with who
 * they are, their organizations (switch between them, or start a new one on
 * the profile page), links to their profile, tokens, settings and the audit
 * log, and sign-out. A native
 * <details> is keyboard-operable as is; Escape and an outside click close it.
 */
export function AccountMenu() {
  const me = useQuery(meQueryOptions());
  const queryClient = useQueryClient();
  const router = useRouter();
  const pathname = usePathname();
  const switcher = useMutation(switchOrgMutationOptions(queryClient));
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

  // A link inside navigated client-side: the header stays mounted, so close the menu.
  useEffect(() => {
    if (detailsRef.current) detailsRef.current.open = false;
  }, [pathname]);

  const closeMenu = () => {
    if (detailsRef.current) detailsRef.current.open = false;
  };

  const switchTo = (orgId: string) => {
    switcher.mutate(orgId, {
      onSuccess: () => {
        closeMenu();
        router.push('/');
        router.refresh();
      },
    });
  };

  // Already on the profile page, the link only scrolls: also put the cursor in the name field.
  const openNewOrg = () => {
    closeMenu();
    if (pathname === '/profile') document.getElementById(NEW_ORG_ID)?.querySelector('input')?.focus();
  };

  const data = me.data;
  const name = data?.user.name ?? '';
  const isAdmin = data?.can.admin ?? false;
  const otherOrgs = data ? data.orgs.filter((org) => org.id !== data.org?.id) : [];

  return (
    <details ref={detailsRef} className={styles.menu}>
      <summary className={styles.summary} aria-label={name ? `Account: ${name}` : 'Account'}>
        {/* The initials are drawn by CSS (::before), so the summary's visible text is the name its label contains (WCAG 2.5.3). */}
        <span className={styles.avatar} aria-hidden="true" data-initials={name ? initialsOf(name) : ''} />
        <span className={styles.summaryName} aria-hidden="true">
          {name}
        </span>
        <ChevronDownIcon size={16} className={styles.chevron} />
      </summary>
      <div className={styles.panel}>
        {data ? (
          <div className={styles.identity}>
            <p className={styles.name}>{data.user.name}</p>
            {data.user.email ? <p className={styles.muted}>{data.user.email}</p> : null}
            {data.org ? (
              <p className={styles.org}>
                <BuildingIcon size={15} className={styles.orgIcon} />
                <span className={styles.orgName}>{data.org.name}</span> <span className="chip">{roleLabel(data.role)}</span>
              </p>
            ) : null}
          </div>
        ) : (
          <p className={`${styles.muted} ${styles.loading}`}>{me.isError ? 'Could not load your account.' : 'Loading…'}</p>
        )}

        {data ? (
          <div className={styles.group}>
            {otherOrgs.length > 0 ? (
              <div role="group" aria-labelledby="account-switch-label">
                <p id="account-switch-label" className={styles.groupLabel}>
                  Switch organization
                </p>
                <ul className={styles.items}>
                  {otherOrgs.map((org) => {
                    const pending = switcher.isPending && switcher.variables === org.id;
                    return (
                      <li key={org.id}>
                        <button type="button" className={styles.item} onClick={() => switchTo(org.id)} disabled={switcher.isPending} aria-busy={pending}>
                          {pending ? <span className="spinner" aria-hidden="true" /> : <BuildingIcon size={16} className={styles.itemIcon} />}
                          <span className={styles.itemText}>
                            <span className="visually-hidden">Switch to </span>
                            {org.name}
                          </span>
                          <span className={styles.itemMeta}>{roleLabel(org.role)}</span>
                        </button>
                      </li>
                    );
                  })}
                </ul>
                {switcher.isError ? (
                  <p className={styles.error} role="alert">
                    Couldn’t switch: {switcher.error.message}
                  </p>
                ) : null}
              </div>
            ) : null}
            <ul className={styles.items}>
              <li>
                <Link href={NEW_ORG_HREF} className={styles.item} onClick={openNewOrg}>
                  <PlusIcon size={16} className={styles.itemIcon} />
                  <span className={styles.itemText}>New organization…</span>
                </Link>
              </li>
            </ul>
          </div>
        ) : null}

        <nav className={styles.group} aria-label="Account">
          <ul className={styles.items}>
            <MenuLink href="/profile" current={pathname === '/profile'} onNavigate={closeMenu} Icon={UserIcon}>
              Profile
            </MenuLink>
            <MenuLink href="/settings/tokens" current={pathname === '/settings/tokens'} onNavigate={closeMenu} Icon={KeyIcon}>
              Agent tokens
            </MenuLink>
            {isAdmin ? (
              <>
                <MenuLink href="/settings" current={pathname === '/settings'} onNavigate={closeMenu} Icon={SettingsIcon}>
                  Settings
                </MenuLink>
                <MenuLink href="/audit" current={pathname === '/audit'} onNavigate={closeMenu} Icon={ListIcon}>
                  Audit log
                </MenuLink>
              </>
            ) : null}
          </ul>
        </nav>

        <form action={signOutAction} className={styles.signOut}>
          <button type="submit" className={styles.item}>
            <SignOutIcon size={16} className={styles.itemIcon} /> Sign out
          </button>
        </form>
      </div>
    </details>
  );
}

function MenuLink({
  href,
  current,
  onNavigate,
  Icon,
  children,
}: {
  href: string;
  current: boolean;
  onNavigate(): void;
  Icon: typeof UserIcon;
  children: string;
}) {
  return (
    <li>
      <Link href={href} className={styles.item} aria-current={current ? 'page' : undefined} onClick={onNavigate}>
        <Icon size={16} className={styles.itemIcon} />
        <span className={styles.itemText}>{children}</span>
        {current ? <CheckIcon size={15} className={styles.itemCheck} /> : null}
      </Link>
    </li>
  );
}
