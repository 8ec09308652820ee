'use client';

import { useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { orgMembersQueryOptions } from '../../../lib/query/org';
import { tokensQueryOptions } from '../../../lib/query/tokens';
import { ACTION_GROUPS, isKnownAction } from './audit-actions';
import { EMPTY_FILTERS, hasFilters, type AuditUrlFilters } from './audit-filters';
import { Field } from '../../_components/field';
import styles from './audit.module.css';

interface AuditFiltersFormProps {
  filters: AuditUrlFilters;
  onChange(filters: AuditUrlFilters): void;
}

/**
 * Actor and action apply as soon as they change; the artifact id and the
 * time range apply with "Apply" (or Enter), so half-typed values do not
 * query. Re-mounted (by key) whenever the URL's filters change.
 */
export function AuditFiltersForm({ filters, onChange }: AuditFiltersFormProps) {
  const id = useId();
  const [draft, setDraft] = useState(filters);
  const members = useQuery(orgMembersQueryOptions());
  const tokens = useQuery(tokensQueryOptions('org'));

  const set = (key: keyof AuditUrlFilters, value: string) => setDraft((previous) => ({ ...previous, [key]: value }));
  const applyNow = (key: 'actor' | 'action', value: string) => onChange({ ...draft, [key]: value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onChange({ ...draft, artifact: draft.artifact.trim() });
  };

  const people = [...(members.data ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  const agents = [...(tokens.data ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  const actorKnown = !draft.actor || people.some((m) => m.userId === draft.actor) || agents.some((t) => t.id === draft.actor);
  const isDirty = draft.artifact.trim() !== filters.artifact || draft.from !== filters.from || draft.to !== filters.to;

  return (
    <form className={`card ${styles.filters}`} onSubmit={submit} aria-label="Filter the audit log">
      <Field compact id={`${id}-actor`} label="Actor" className={styles.filter}>
        {(control) => (
          <select {...control} className={`input ${styles.select}`} value={draft.actor} onChange={(event) => applyNow('actor', event.target.value)}>
            <option value="">Anyone</option>
            {people.length > 0 ? (
              <optgroup label="People">
                {people.map((member) => (
                  <option key={member.userId} value={member.userId}>
                    {member.name}
                  </option>
                ))}
              </optgroup>
            ) : null}
            {agents.length > 0 ? (
              <optgroup label="Agent tokens">
                {agents.map((token) => (
                  <option key={token.id} value={token.id}>
                    {token.name} ({token.user.name})
                  </option>
                ))}
              </optgroup>
            ) : null}
            {!actorKnown ? <option value={draft.actor}>ID {draft.actor}</option> : null}
          </select>
        )}
      </Field>

      <Field compact id={`${id}-action`} label="Action" className={styles.filter}>
        {(control) => (
          <select {...control} className={`input ${styles.select}`} value={draft.action} onChange={(event) => applyNow('action', event.target.value)}>
            <option value="">Any action</option>
            {ACTION_GROUPS.map((group) => (
              <optgroup key={group.area} label={group.area}>
                {group.actions.map(([code, words]) => (
                  <option key={code} value={code} title={code}>
                    {words.charAt(0).toUpperCase() + words.slice(1)}
                  </option>
                ))}
              </optgroup>
            ))}
            {draft.action && !isKnownAction(draft.action) ? <option value={draft.action}>{draft.action}</option> : null}
          </select>
        )}
      </Field>

      <Field compact id={`${id}-artifact`} label="Artifact ID" className={styles.filter}>
        {(control) => (
          <input
            {...control}
            className={`input ${styles.mono}`}
            value={draft.artifact}
            onChange={(event) => set('artifact', event.target.value)}
            placeholder="Any artifact"
            autoComplete="off"
            spellCheck={false}
            maxLength={100}
          />
        )}
      </Field>

      <Field
        compact
        id={`${id}-from`}
        label={
          <>
            From <abbr title="Coordinated Universal Time">UTC</abbr>
          </>
        }
        describedBy={`${id}-utc`}
        className={styles.filter}
      >
        {(control) => (
          <input {...control} type="datetime-local" className="input" value={draft.from} max={draft.to || undefined} onChange={(event) => set('from', event.target.value)} />
        )}
      </Field>

      <Field
        compact
        id={`${id}-to`}
        label={
          <>
            To <abbr title="Coordinated Universal Time">UTC</abbr>
          </>
        }
        describedBy={`${id}-utc`}
        className={styles.filter}
      >
        {(control) => (
          <input {...control} type="datetime-local" className="input" value={draft.to} min={draft.from || undefined} onChange={(event) => set('to', event.target.value)} />
        )}
      </Field>

      <div className={styles.filterActions}>
        <button type="submit" className={`button ${isDirty ? 'button-primary' : ''}`}>
          Apply
        </button>
        {hasFilters(filters) || hasFilters(draft) ? (
          <button type="button" className="button button-ghost" onClick={() => onChange(EMPTY_FILTERS)}>
            Clear
          </button>
        ) : null}
      </div>
      <p id={`${id}-utc`} className={styles.filterNote}>
        Times are read as UTC, not your local time; “To” includes the whole minute.
      </p>
    </form>
  );
}
