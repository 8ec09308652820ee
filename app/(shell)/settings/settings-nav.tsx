'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { BuildingIcon, KeyIcon, UsersIcon } from '../../_components/icons';
import styles from './settings.module.css';

const LINKS = [
  { href: '/settings', label: 'Organization', Icon: BuildingIcon },
  { href: '/settings/members', label: 'Members', Icon: UsersIcon },
  { href: '/settings/tokens', label: 'Agent tokens', Icon: KeyIcon },
] as const;

export function SettingsNav() {
  const pathname = usePathname();
  return (
    <nav className={styles.nav} aria-label="Settings">
      <ul>
        {LINKS.map(({ href, label, Icon }) => (
          <li key={href}>
            <Link href={href} className={styles.navLink} aria-current={pathname === href ? 'page' : undefined}>
              <Icon size={17} />
              {label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
