'use client';

import type { MentionableView, ThreadView } from '../../../../lib/review/types';
import { countFilters, isFiltered, type AnchorStates, type NarrowingKey, type ThreadFilter } from './thread-filters';
import { ThreadCard } from './thread-view';
import { useNow } from './use-now';
import styles from './review-panel.module.css';

interface FilterChipsProps {
  threads: readonly ThreadView[];
  filter: ThreadFilter;
  states: AnchorStates;
  viewerId: string | null;
  onChange(filter: ThreadFilter): void;
}

const NARROWING: Array<{ key: NarrowingKey; label: string }> = [
  { key: 'outdated', label: 'Outdated' },
  { key: 'mine', label: 'Mine' },
  { key: 'mentionsMe', label: 'Mentioning me' },
];

/**
 * Open or Resolved (one at a time: open is the work left), then chips that
 * narrow within it and combine. Every chip says how many threads it leaves.
 */
export function FilterChips({ threads, filter, states, viewerId, onChange }: FilterChipsProps) {
  const counts = countFilters(threads, filter, states, viewerId);
  return (
    <div className={styles.filters} role="group" aria-label="Filter threads" data-testid="thread-filters">
      <div className={styles.segmented} role="radiogroup" aria-label="Status">
        {(['open', 'resolved'] as const).map((status) => (
          <button
            key={status}
            type="button"
            role="radio"
            aria-checked={filter.status === status}
            className={styles.segment}
            onClick={() => onChange({ ...filter, status })}
            onKeyDown={(event) => {
              if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
              event.preventDefault();
              const next = status === 'open' ? 'resolved' : 'open';
              onChange({ ...filter, status: next });
              (event.currentTarget.parentElement?.querySelector<HTMLButtonElement>(`[data-status="${next}"]`) ?? null)?.focus();
            }}
            tabIndex={filter.status === status ? 0 : -1}
            data-status={status}
          >
            {status === 'open' ? 'Open' : 'Resolved'}
            <span className={styles.count}>{counts[status]}</span>
          </button>
        ))}
      </div>
      {NARROWING.map(({ key, label }) => (
        <button
          key={key}
          type="button"
          className={styles.filterChip}
          aria-pressed={filter[key]}
          onClick={() => onChange({ ...filter, [key]: !filter[key] })}
        >
          {label}
          <span className={styles.count}>{counts[key]}</span>
        </button>
      ))}
    </div>
  );
}

interface ThreadListProps {
  artifactId: string;
  /** Already filtered, oldest first. */
  threads: readonly ThreadView[];
  numbers: ReadonlyMap<string, number>;
  filter: ThreadFilter;
  states: AnchorStates;
  viewerId: string | null;
  canWrite: boolean;
  activeThreadId: string | null;
  mentionables: MentionableView[];
  onActivate(threadId: string): void;
  onClearFilters(): void;
}

export function ThreadList({
  artifactId,
  threads,
  numbers,
  filter,
  states,
  viewerId,
  canWrite,
  activeThreadId,
  mentionables,
  onActivate,
  onClearFilters,
}: ThreadListProps) {
  const now = useNow();
  if (threads.length === 0) {
    return (
      <div className={styles.empty} data-testid="threads-empty">
        {isFiltered(filter) ? (
          <>
            <p>No {filter.status} threads match these filters.</p>
            <button type="button" className={styles.textAction} onClick={onClearFilters}>
              Clear filters
            </button>
          </>
        ) : filter.status === 'open' ? (
          <p>
            <strong>No open threads.</strong>{' '}
            {canWrite ? 'Pin a comment to something on the page, or comment on the page as a whole.' : 'Comments from reviewers will show here.'}
          </p>
        ) : (
          <p>No resolved threads yet.</p>
        )}
      </div>
    );
  }
  return (
    <ol className={styles.threads} aria-label={`${filter.status === 'open' ? 'Open' : 'Resolved'} threads`}>
      {threads.map((thread) => (
        <li key={thread.id}>
          <ThreadCard
            artifactId={artifactId}
            thread={thread}
            number={numbers.get(thread.id) ?? 0}
            anchorState={states.get(thread.id)}
            viewerId={viewerId}
            canWrite={canWrite}
            isActive={thread.id === activeThreadId}
            mentionables={mentionables}
            now={now}
            onActivate={onActivate}
          />
        </li>
      ))}
    </ol>
  );
}
