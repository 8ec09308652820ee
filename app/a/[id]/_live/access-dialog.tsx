'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { useModalDialog } from '../../../_components/use-modal-dialog';
import { changeAccessMutationOptions, publishArtifactMutationOptions, type AccessInput } from '../../../../lib/query/artifacts';
import { orgMembersQueryOptions, type Member } from '../../../../lib/query/org';
import type { ArtifactDetail, Visibility } from '../../../../lib/query/schemas';
import { GlobeIcon, SearchIcon, UsersIcon } from '../../../_components/icons';
import styles from './access-dialog.module.css';

interface AccessDialogProps {
  /** Publish a draft, or change who may see a published artifact. */
  mode: 'publish' | 'access';
  artifact: ArtifactDetail;
  orgName: string | null;
  viewerId: string | null;
  /** The dialog closed (done, cancelled, Escape or a click outside). */
  onClose(): void;
  /** The change went through; `message` is announced. */
  onDone(message: string): void;
}

const ALWAYS_ROLES: ReadonlySet<string> = new Set(['owner', 'admin']);

/**
 * A native modal <dialog>: focus is trapped and Escape closes it, and the
 * browser puts focus back on the button that opened it. Mounted only while
 * open, so every opening starts from the artifact's current access.
 */
export function AccessDialog({ mode, artifact, orgName, viewerId, onClose, onDone }: AccessDialogProps) {
  const firstFieldRef = useRef<HTMLInputElement>(null);
  const dialogRef = useModalDialog(onClose, firstFieldRef);
  const titleId = useId();
  const [visibility, setVisibility] = useState<Visibility>(artifact.visibility);
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set(artifact.members));
  const [filter, setFilter] = useState('');
  const members = useQuery(orgMembersQueryOptions());
  const publish = useMutation(publishArtifactMutationOptions(artifact.id));
  const change = useMutation(changeAccessMutationOptions(artifact.id));
  const mutation = mode === 'publish' ? publish : change;

  const creatorId = artifact.createdBy.id;
  const alwaysHasAccess = (member: Member) => member.userId === creatorId || ALWAYS_ROLES.has(member.role);

  const shown = useMemo(() => {
    // People you can pick first; the creator and admins (who always see it) after them.
    const rank = (m: Member) => (m.userId === creatorId || ALWAYS_ROLES.has(m.role) ? 1 : 0);
    const items = [...(members.data ?? [])].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
    const needle = filter.trim().toLowerCase();
    if (!needle) return items;
    return items.filter((m) => m.name.toLowerCase().includes(needle) || (m.email ?? '').toLowerCase().includes(needle));
  }, [members.data, filter, creatorId]);

  const pickable = useMemo(
    () => new Set((members.data ?? []).filter((m) => m.userId !== creatorId && !ALWAYS_ROLES.has(m.role)).map((m) => m.userId)),
    [members.data, creatorId],
  );
  const picked = [...selected].filter((id) => pickable.has(id));

  const toggle = (userId: string, on: boolean) => {
    setSelected((previous) => {
      const next = new Set(previous);
      if (on) next.add(userId);
      else next.delete(userId);
      return next;
    });
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input: AccessInput = { visibility, members: visibility === 'members' ? picked : [] };
    mutation.mutate(input, {
      onSuccess: () => {
        const who = visibility === 'org' ? (orgName ? `everyone in ${orgName}` : 'the whole organization') : `${picked.length + 1} ${picked.length === 0 ? 'person' : 'people'}`;
        onDone(mode === 'publish' ? `Published to ${who}.` : `Access changed: ${who} can see it.`);
        dialogRef.current?.close();
      },
    });
  };

  const title = mode === 'publish' ? 'Publish this draft' : 'Who can see this';
  const submitLabel = mode === 'publish' ? 'Publish' : 'Save access';

  return (
    <dialog
      ref={dialogRef}
      className={styles.dialog}
      aria-labelledby={titleId}
      onClick={(event) => {
        // A click on the backdrop lands on the <dialog> itself (the form fills it).
        if (event.target === event.currentTarget && !mutation.isPending) event.currentTarget.close();
      }}
    >
      <form className={styles.form} onSubmit={submit}>
        <div className={styles.head}>
          <h2 id={titleId}>{title}</h2>
          <p className={styles.subject} title={artifact.title}>
            {artifact.title}
          </p>
        </div>

        <fieldset className={styles.choices} disabled={mutation.isPending}>
          <legend className={styles.legend}>Who can see it</legend>
          <label className={styles.choice}>
            <input
              ref={visibility === 'org' ? firstFieldRef : undefined}
              type="radio"
              name="visibility"
              value="org"
              checked={visibility === 'org'}
              onChange={() => setVisibility('org')}
            />
            <span className={styles.choiceIcon} aria-hidden="true">
              <GlobeIcon size={16} />
            </span>
            <span>
              <span className={styles.choiceTitle}>{orgName ? `Everyone in ${orgName}` : 'The whole organization'}</span>
              <span className={styles.choiceHint}>Every member, including people who join later.</span>
            </span>
          </label>
          <label className={styles.choice}>
            <input
              ref={visibility === 'members' ? firstFieldRef : undefined}
              type="radio"
              name="visibility"
              value="members"
              checked={visibility === 'members'}
              onChange={() => setVisibility('members')}
            />
            <span className={styles.choiceIcon} aria-hidden="true">
              <UsersIcon size={16} />
            </span>
            <span>
              <span className={styles.choiceTitle}>Only people you pick</span>
              <span className={styles.choiceHint}>They, the creator and the organization’s admins.</span>
            </span>
          </label>
        </fieldset>

        {visibility === 'members' ? (
          <fieldset className={styles.people} disabled={mutation.isPending}>
            <legend className="visually-hidden">People who can see it</legend>
            <div className={styles.filter}>
              <label htmlFor={`${titleId}-filter`} className="visually-hidden">
                Filter people
              </label>
              <SearchIcon size={16} className={styles.filterIcon} />
              <input
                id={`${titleId}-filter`}
                type="search"
                className={`input ${styles.filterInput}`}
                placeholder="Filter by name or email"
                value={filter}
                onChange={(event) => setFilter(event.target.value)}
                onKeyDown={(event) => {
                  // Escape clears the filter first; a second Escape closes the dialog.
                  if (event.key === 'Escape' && filter) {
                    event.preventDefault();
                    setFilter('');
                  }
                }}
                autoComplete="off"
                spellCheck={false}
              />
            </div>
            {members.isPending ? (
              <p className={styles.peopleState}>
                <span className="spinner" aria-hidden="true" /> Loading members…
              </p>
            ) : members.isError ? (
              <div className="alert" role="alert">
                Couldn’t load the members: {members.error.message}
              </div>
            ) : shown.length === 0 ? (
              <p className={styles.peopleState}>No one matches “{filter.trim()}”.</p>
            ) : (
              <ul className={styles.peopleList} aria-label="Members">
                {shown.map((member) => {
                  const always = alwaysHasAccess(member);
                  const note =
                    member.userId === artifact.createdBy.id ? 'Creator' : ALWAYS_ROLES.has(member.role) ? `${capitalize(member.role)}, always has access` : '';
                  return (
                    <li key={member.userId}>
                      <label className={styles.person} data-always={always || undefined}>
                        <input
                          type="checkbox"
                          checked={always || selected.has(member.userId)}
                          disabled={always}
                          onChange={(event) => toggle(member.userId, event.target.checked)}
                        />
                        <span className={styles.personText}>
                          <span className={styles.personName}>
                            {member.name}
                            {member.userId === viewerId ? <span className={styles.you}> (you)</span> : null}
                          </span>
                          {member.email || note ? (
                            <span className={styles.personMeta}>{[note, member.email].filter(Boolean).join(' · ')}</span>
                          ) : null}
                        </span>
                      </label>
                    </li>
                  );
                })}
              </ul>
            )}
            <p className={styles.count} aria-live="polite">
              {picked.length === 0 ? 'No one picked: only the creator and admins.' : `${picked.length} ${picked.length === 1 ? 'person' : 'people'} picked.`}
            </p>
          </fieldset>
        ) : null}

        {mutation.isError ? (
          <div className="alert" role="alert">
            {mode === 'publish' ? 'Couldn’t publish' : 'Couldn’t change access'}: {mutation.error.message}
          </div>
        ) : null}

        <div className={styles.actions}>
          <button type="button" className="button button-ghost" onClick={() => dialogRef.current?.close()} disabled={mutation.isPending}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={mutation.isPending}>
            {mutation.isPending ? <span className="spinner" aria-hidden="true" /> : null}
            {mutation.isPending ? (mode === 'publish' ? 'Publishing…' : 'Saving…') : submitLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
