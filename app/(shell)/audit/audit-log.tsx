'use client';

import { useInfiniteQuery, useQuery, type UseQueryResult } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useMemo } from 'react';
import { isApiError } from '../../../lib/query/api-client';
import { auditExportPath, auditListQueryOptions, auditVerifyQueryOptions, type AuditVerdict } from '../../../lib/query/audit';
import { meQueryOptions } from '../../../lib/query/me';
import { useNow } from '../../../lib/ui/use-now';
import { Announcer } from '../../_components/announcer';
import { AlertIcon, CheckIcon, DownloadIcon, LockIcon } from '../../_components/icons';
import { AuditFiltersForm } from './audit-filters-form';
import { EMPTY_FILTERS, filtersToSearch, hasFilters, readUrlFilters, toApiFilters, type AuditUrlFilters } from './audit-filters';
import { AuditTable, AuditTableSkeleton } from './audit-table';
import styles from './audit.module.css';

/** `/audit`: the organization's hash-chained log, newest first, filtered by the URL. Admins only (the API answers 403 to others). */
export function AuditLog() {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const filters = useMemo(() => readUrlFilters((key) => searchParams.get(key)), [searchParams]);
  const apiFilters = useMemo(() => toApiFilters(filters), [filters]);
  const me = useQuery(meQueryOptions());
  const list = useInfiniteQuery(auditListQueryOptions(apiFilters));
  const verify = useQuery(auditVerifyQueryOptions());
  const now = useNow();

  const setFilters = (next: AuditUrlFilters) => router.push(`${pathname}${filtersToSearch(next)}`, { scroll: false });

  if (isApiError(list.error) && list.error.status === 403) {
    return <AdminsOnly orgName={me.data?.org?.name ?? null} />;
  }

  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  const filtered = hasFilters(filters);
  const orgName = me.data?.org?.name;

  return (
    <>
      <div className={styles.heading}>
        <div>
          <h1>Audit log</h1>
          <p className={styles.subtitle}>
            Everything that happened in {orgName ?? 'your organization'}, newest first. Times are UTC.
          </p>
        </div>
        <div className={styles.headActions}>
          <ChainBadge verify={verify} />
          <div className={styles.exports} role="group" aria-label={filtered ? 'Export the filtered entries' : 'Export every entry'}>
            <a className="button" href={auditExportPath('csv', apiFilters)} download>
              <DownloadIcon size={15} /> CSV
            </a>
            <a className="button" href={auditExportPath('json', apiFilters)} download>
              <DownloadIcon size={15} /> JSON
            </a>
          </div>
        </div>
      </div>

      {verify.data && !verify.data.ok ? (
        <div className={`alert ${styles.chainAlert}`} role="alert">
          <AlertIcon size={18} />
          <span>
            <strong>Chain broken at entry #{verify.data.brokenAt}.</strong> {verify.data.reason}. The {verify.data.entries}{' '}
            {verify.data.entries === 1 ? 'entry' : 'entries'} before it check out; the log from #{verify.data.brokenAt} on may have been altered.
          </span>
        </div>
      ) : null}

      <AuditFiltersForm key={filtersToSearch(filters)} filters={filters} onChange={setFilters} />

      <Announcer>
        {list.isSuccess ? `${items.length}${list.hasNextPage ? '+' : ''} ${items.length === 1 ? 'entry' : 'entries'}${filtered ? ' match the filters' : ''}.` : ''}
      </Announcer>

      {list.isPending ? (
        <AuditTableSkeleton />
      ) : list.isError ? (
        <div className="alert" role="alert">
          <span>
            Couldn’t load the audit log: {list.error.message}{' '}
            <button type="button" className={styles.linkButton} onClick={() => void list.refetch()}>
              Try again
            </button>
          </span>
        </div>
      ) : items.length === 0 ? (
        <div className={`card ${styles.empty}`}>
          <h2>{filtered ? 'No entries match these filters' : 'No entries yet'}</h2>
          <p>{filtered ? 'Widen the time range or pick “Anyone” and “Any action”.' : 'Sign-ins, publications and changes to members and settings appear here.'}</p>
          {filtered ? (
            <button type="button" className="button" onClick={() => setFilters(EMPTY_FILTERS)}>
              Clear filters
            </button>
          ) : null}
        </div>
      ) : (
        <>
          <AuditTable items={items} now={now} />
          {list.hasNextPage ? (
            <div className={styles.more}>
              <button type="button" className="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
                {list.isFetchingNextPage ? (
                  <>
                    <span className="spinner" aria-hidden="true" /> Loading…
                  </>
                ) : (
                  'Load more'
                )}
              </button>
            </div>
          ) : (
            <p className={styles.end}>
              {filtered ? 'End of the matching entries.' : 'The beginning of the log.'}
            </p>
          )}
        </>
      )}
    </>
  );
}

function ChainBadge({ verify }: { verify: UseQueryResult<AuditVerdict> }) {
  if (verify.isPending) {
    return (
      <p className={styles.chain} data-tone="pending" role="status">
        <span className="spinner" aria-hidden="true" /> Verifying chain…
      </p>
    );
  }
  if (verify.isError) {
    return (
      <p className={styles.chain} data-tone="muted" role="status" title={verify.error.message}>
        <AlertIcon size={14} /> Chain not checked
      </p>
    );
  }
  if (!verify.data.ok) {
    return (
      <p className={styles.chain} data-tone="broken" role="status" data-testid="chain-badge">
        <AlertIcon size={14} /> Chain broken at #{verify.data.brokenAt}
      </p>
    );
  }
  const { entries, headHash } = verify.data;
  return (
    <p className={styles.chain} data-tone="ok" role="status" title={`Every entry's hash checks out. Head hash ${headHash}`} data-testid="chain-badge">
      <CheckIcon size={14} /> Chain verified · {entries.toLocaleString('en')} {entries === 1 ? 'entry' : 'entries'}
    </p>
  );
}

function AdminsOnly({ orgName }: { orgName: string | null }) {
  return (
    <section className={`card ${styles.adminsOnly}`} aria-labelledby="admins-only-title">
      <span className={styles.adminsOnlyIcon} aria-hidden="true">
        <LockIcon size={22} />
      </span>
      <h1 id="admins-only-title">Only admins can see the audit log</h1>
      <p>
        The audit log records sign-ins, publications and changes to members and settings{orgName ? ` in ${orgName}` : ''}. Ask an owner
        or admin if you need an entry from it.
      </p>
      <Link href="/" className="button">
        Back to artifacts
      </Link>
    </section>
  );
}
