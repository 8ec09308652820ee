'use client';

import { useQuery } from '@tanstack/react-query';
import { meQueryOptions } from '../../lib/query/me';
import styles from './app-header.module.css';

/** The organization's name beside the brand; blank until /me answers. */
export function OrgName() {
  const me = useQuery(meQueryOptions());
  const name = me.data?.org?.name;
  if (!name) return null;
  return (
    <>
      <span className={styles.divider} aria-hidden="true">
        /
      </span>
      <span className={styles.org} title={name}>
        {name}
      </span>
    </>
  );
}
