'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { artifactListQueryOptions } from '../../../lib/query/artifacts';
import { meQueryOptions } from '../../../lib/query/me';
import { useNow } from '../../../lib/ui/use-now';
import { Announcer } from '../../_components/announcer';
import { ArtifactList, ArtifactListSkeleton } from './artifact-list';
import { EmptyState } from './empty-state';
import { SearchBox } from './search-box';
import type { StatusFilter } from './status-filter';
import { StatusTabs } from './status-tabs';
import { useSearchQuery } from './use-search-query';
import styles from './gallery.module.css';

const STATUS_WORDS: Record<StatusFilter, { plural: string; none: string }> = {
  all: { plural: 'artifacts', none: 'No artifacts' },
  draft: { plural: 'drafts', none: 'No drafts' },
  published: { plural: 'published artifacts', none: 'No published artifacts' },
};

/** `/`: the organization's artifacts, newest first, with search and a status filter. */
export function Gallery({ initialQuery, initialStatus = 'all' }: { initialQuery: string; initialStatus?: StatusFilter }) {
  const { input, setInput, query, status, setStatus } = useSearchQuery(initialQuery, initialStatus);
  const me = useQuery(meQueryOptions());
  const list = useInfiniteQuery(artifactListQueryOptions({ q: query, status: status === 'all' ? undefined : status }));
  const words = STATUS_WORDS[status];
  const now = useNow();
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  const orgName = me.data?.org?.name;

  return (
    <>
      <div className={styles.heading}>
        <div>
          <h1>Artifacts</h1>
          <p className={styles.subtitle}>
            {orgName ? <>Pages agents published to {orgName}, newest first.</> : <>Pages your agents published, newest first.</>}
          </p>
        </div>
      </div>

      <div className={styles.filters}>
        <StatusTabs value={status} onChange={setStatus} />
        <SearchBox value={input} onChange={setInput} isSearching={list.isFetching && query !== ''} />
      </div>

      <Announcer>
        {list.isSuccess
          ? query
            ? `${items.length}${list.hasNextPage ? '+' : ''} ${words.plural} match “${query}”.`
            : `${items.length}${list.hasNextPage ? '+' : ''} ${words.plural}.`
          : ''}
      </Announcer>

      {list.isPending ? (
        <ArtifactListSkeleton />
      ) : list.isError ? (
        <div className="alert" role="alert">
          <span>
            Couldn’t load artifacts: {list.error.message}{' '}
            <button type="button" className={styles.linkButton} onClick={() => void list.refetch()}>
              Try again
            </button>
          </span>
        </div>
      ) : items.length === 0 ? (
        query ? (
          <div className={`card ${styles.noMatch}`}>
            <h2>
              {words.none} match “{query}”
            </h2>
            <p>Search looks at titles, projects and sessions.</p>
            <button type="button" className="button" onClick={() => setInput('')}>
              Clear search
            </button>
          </div>
        ) : status !== 'all' ? (
          <div className={`card ${styles.noMatch}`}>
            <h2>{words.none}</h2>
            <p>
              {status === 'draft'
                ? 'Drafts are what agents created that no one has published yet. Only their owner (and admins, once asked) can see them.'
                : 'Nothing has been published yet. Publish a draft from its page.'}
            </p>
            <button type="button" className="button" onClick={() => setStatus('all')}>
              Show all artifacts
            </button>
          </div>
        ) : (
          <EmptyState />
        )
      ) : (
        <>
          <ArtifactList items={items} now={now} />
          {list.hasNextPage ? (
            <div className={styles.more}>
              <button type="button" className="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
                {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </button>
            </div>
          ) : null}
        </>
      )}
    </>
  );
}
