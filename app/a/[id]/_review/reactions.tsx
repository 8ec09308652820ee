'use client';

import { useMutation } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { reactionMutationOptions } from '../../../../lib/query/review';
import { REACTION_EMOJI, REACTIONS, type ReactionKey, type ReactionView } from '../../../../lib/review/types';
import styles from './review-panel.module.css';

const REACTION_NAMES: Record<ReactionKey, string> = {
  '+1': 'thumbs up',
  '-1': 'thumbs down',
  laugh: 'laugh',
  hooray: 'hooray',
  confused: 'confused',
  heart: 'heart',
  rocket: 'rocket',
  eyes: 'eyes',
};

/** "Ada, Ben and 2 others": who reacted, for the tooltip and the accessible name. */
export function describeReactors(view: ReactionView, viewerId: string | null): string {
  const names = view.by.map((person) => (person.id === viewerId ? 'you' : person.name || 'someone'));
  if (names.length <= 3) return names.join(', ').replace(/, ([^,]*)$/, ' and $1');
  return `${names.slice(0, 3).join(', ')} and ${names.length - 3} others`;
}

/** One comment's reactions as the viewer can change them: toggle one of theirs on or off. */
export function useCommentReactions(artifactId: string, commentId: string, reactions: ReactionView[], viewerId: string | null) {
  const react = useMutation(reactionMutationOptions(artifactId, commentId));
  const mine: ReadonlySet<ReactionKey> = new Set(reactions.filter((view) => view.by.some((person) => person.id === viewerId)).map((view) => view.key));
  return {
    mine,
    isPending: react.isPending,
    error: react.error,
    toggle: (key: ReactionKey) => react.mutate({ key, on: !mine.has(key) }),
  };
}

interface ReactionListProps {
  reactions: ReactionView[];
  viewerId: string | null;
  canWrite: boolean;
  disabled: boolean;
  onToggle(key: ReactionKey): void;
}

/**
 * The reactions given to a comment: each kind with its count and (on hover)
 * who gave it; the viewer's own are pressed and toggle off. Viewers see the
 * counts only. Nothing at all when there are none.
 */
export function ReactionList({ reactions, viewerId, canWrite, disabled, onToggle }: ReactionListProps) {
  const given = reactions.filter((view) => view.by.length > 0);
  if (given.length === 0) return null;
  return (
    <div className={styles.reactions} role="group" aria-label="Reactions">
      {given.map((view) => {
        const isMine = view.by.some((person) => person.id === viewerId);
        const who = describeReactors(view, viewerId);
        const label = `${REACTION_NAMES[view.key]}, ${view.by.length}: ${who}`;
        const tooltip = `${who} reacted with ${REACTION_EMOJI[view.key]}`;
        const content = (
          <>
            <span aria-hidden="true">{REACTION_EMOJI[view.key]}</span>
            <span className={styles.reactionCount}>{view.by.length}</span>
          </>
        );
        return canWrite ? (
          <button
            key={view.key}
            type="button"
            className={styles.reaction}
            aria-pressed={isMine}
            aria-label={label}
            title={tooltip}
            disabled={disabled}
            onClick={() => onToggle(view.key)}
            data-testid="reaction"
            data-reaction={view.key}
          >
            {content}
          </button>
        ) : (
          <span key={view.key} className={styles.reaction} role="img" aria-label={label} title={tooltip} data-testid="reaction" data-reaction={view.key}>
            {content}
          </span>
        );
      })}
    </div>
  );
}

/** The "add reaction" button and its row of choices; Escape or a click elsewhere closes it and focus goes back. */
export function ReactionPicker({ onPick, mine, disabled }: { onPick(key: ReactionKey): void; mine: ReadonlySet<ReactionKey>; disabled: boolean }) {
  const [isOpen, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const menuId = useId();

  useEffect(() => {
    if (!isOpen) return;
    rootRef.current?.querySelector<HTMLButtonElement>('[role="menu"] button')?.focus();
    const onPointerDown = (event: PointerEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [isOpen]);

  const close = () => {
    setOpen(false);
    triggerRef.current?.focus();
  };

  return (
    <div className={styles.pickerRoot} ref={rootRef}>
      <button
        ref={triggerRef}
        type="button"
        className={`${styles.reaction} ${styles.addReaction}`}
        aria-label="Add a reaction"
        title="Add a reaction"
        aria-haspopup="menu"
        aria-expanded={isOpen}
        aria-controls={isOpen ? menuId : undefined}
        onClick={() => setOpen((open) => !open)}
      >
        <SmileIcon />
        <span aria-hidden="true">+</span>
      </button>
      {isOpen ? (
        <div
          id={menuId}
          role="menu"
          aria-label="Reactions"
          className={styles.picker}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.stopPropagation();
              close();
              return;
            }
            if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
              event.preventDefault();
              moveFocus(event.currentTarget, event.key === 'ArrowRight' ? 1 : -1);
            }
          }}
        >
          {REACTIONS.map((key) => (
            <button
              key={key}
              type="button"
              role="menuitemcheckbox"
              aria-checked={mine.has(key)}
              aria-label={REACTION_NAMES[key]}
              title={REACTION_NAMES[key]}
              className={styles.pickerItem}
              disabled={disabled}
              onClick={() => {
                onPick(key);
                close();
              }}
            >
              {REACTION_EMOJI[key]}
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}

function moveFocus(menu: HTMLElement, step: 1 | -1): void {
  const items = Array.from(menu.querySelectorAll<HTMLButtonElement>('button'));
  const index = items.indexOf(document.activeElement as HTMLButtonElement);
  items[(index + step + items.length) % items.length]?.focus();
}

function SmileIcon() {
  return (
    <svg width={15} height={15} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <circle cx="12" cy="12" r="9" />
      <path d="M8.5 14.5a4.5 4.5 0 0 0 7 0" />
      <path d="M9 9.5h.01M15 9.5h.01" />
    </svg>
  );
}
