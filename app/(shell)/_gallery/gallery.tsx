'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { artifactListQueryOptions } from '../../../lib/query/artifacts';
import { meQueryOptions } from '../../../lib/query/me';
import { useNow } from '../../../lib/ui/use-now';
import { ArtifactList, ArtifactListSkeleton } from './artifact-list';
import { EmptyState } from './empty-state';
import { SearchBox } from './search-box';
import { useSearchQuery } from './use-search-query';
import styles from './gallery.module.css';

/** `/`: the organization's artifacts, newest first, with search. */
export function Gallery({ initialQuery }: { initialQuery: string }) {
  const { input, setInput, query } = useSearchQuery(initialQuery);
  const me = useQuery(meQueryOptions());
  const list = useInfiniteQuery(artifactListQueryOptions({ q: query }));
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
        <SearchBox value={input} onChange={setInput} isSearching={list.isFetching && query !== ''} />
      </div>

      <p className="visually-hidden" role="status" aria-live="polite">
        {list.isSuccess ? (query ? `${items.length}${list.hasNextPage ? '+' : ''} artifacts match “${query}”.` : `${items.length}${list.hasNextPage ? '+' : ''} artifacts.`) : ''}
      </p>

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
            <h2>No artifacts match “{query}”</h2>
            <p>Search looks at titles, projects and sessions.</p>
            <button type="button" className="button" onClick={() => setInput('')}>
              Clear search
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
