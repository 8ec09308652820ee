'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { meQueryOptions } from '../../../lib/query/me';
import { orgQueryOptions, REQUIRED_APPROVALS_MAX, RETENTION_MAX_DAYS, updateOrgMutationOptions, type Org, type OrgPatch } from '../../../lib/query/org';
import { roleWithArticle } from '../../../lib/ui/roles';
import { AlertIcon, LockIcon } from '../../_components/icons';
import { BusyLabel } from '../../_components/busy-label';
import { FlashStatus, useFlash } from '../../_components/flash-status';
import { FormError, LoadError } from '../../_components/form-error';
import { Field } from '../../_components/field';
import form from '../../_components/form.module.css';
import { Loading } from './query-state';
import styles from './settings.module.css';

/** `/settings`: name, publishing defaults, reviews and retention. Admins edit; everyone else reads. */
export function OrgSettingsForm() {
  const me = useQuery(meQueryOptions());
  const org = useQuery(orgQueryOptions());

  if (org.isPending || me.isPending) {
    return (
      <section className={`card ${styles.section}`} aria-label="Organization">
        <Loading label="Loading settings…" />
      </section>
    );
  }
  if (org.isError) return <LoadError what="the organization’s settings" error={org.error} onRetry={() => void org.refetch()} />;
  if (me.isError) return <LoadError what="your account" error={me.error} onRetry={() => void me.refetch()} />;

  return <OrgSettingsFields key={org.data.id} org={org.data} canEdit={me.data.can.admin} role={me.data.role} />;
}

interface Draft {
  name: string;
  defaultVisibility: Org['settings']['defaultVisibility'];
  publishRole: Org['settings']['publishRole'];
  keepForever: boolean;
  retentionDays: string;
  requiredApprovals: string;
}

function draftOf(org: Org): Draft {
  return {
    name: org.name,
    defaultVisibility: org.settings.defaultVisibility,
    publishRole: org.settings.publishRole,
    keepForever: org.settings.retentionDays === null,
    retentionDays: String(org.settings.retentionDays ?? 90),
    requiredApprovals: String(org.settings.requiredApprovals),
  };
}

function OrgSettingsFields({ org, canEdit, role }: { org: Org; canEdit: boolean; role: string }) {
  const queryClient = useQueryClient();
  const save = useMutation(updateOrgMutationOptions(queryClient));
  const [draft, setDraft] = useState<Draft>(() => draftOf(org));
  const [saved, setSaved] = useFlash();
  const [showErrors, setShowErrors] = useState(false);

  const days = Number(draft.retentionDays);
  const daysValid = draft.keepForever || (Number.isInteger(days) && days >= 1 && days <= RETENTION_MAX_DAYS);
  const nameValid = draft.name.trim() !== '';
  const approvals = Number(draft.requiredApprovals);
  const approvalsValid = draft.requiredApprovals.trim() !== '' && Number.isInteger(approvals) && approvals >= 0 && approvals <= REQUIRED_APPROVALS_MAX;
  const patch: OrgPatch = {};
  if (draft.name.trim() !== org.name) patch.name = draft.name.trim();
  if (draft.defaultVisibility !== org.settings.defaultVisibility) patch.defaultVisibility = draft.defaultVisibility;
  if (draft.publishRole !== org.settings.publishRole) patch.publishRole = draft.publishRole;
  const retention = draft.keepForever ? null : days;
  if (daysValid && retention !== org.settings.retentionDays) patch.retentionDays = retention;
  if (approvalsValid && approvals !== org.settings.requiredApprovals) patch.requiredApprovals = approvals;
  const dirty = Object.keys(patch).length > 0 || !daysValid || !approvalsValid;

  const update = (next: Partial<Draft>) => {
    setDraft((current) => ({ ...current, ...next }));
    setSaved('');
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!nameValid || !daysValid || !approvalsValid) {
      setShowErrors(true);
      return;
    }
    if (Object.keys(patch).length === 0) return;
    save.mutate(patch, {
      onSuccess: (next) => {
        setDraft(draftOf(next));
        setShowErrors(false);
        setSaved('Settings saved.');
      },
    });
  };

  const nameInvalid = showErrors && !nameValid;
  const daysInvalid = showErrors && !daysValid;
  const approvalsInvalid = showErrors && !approvalsValid;

  return (
    <form onSubmit={submit} noValidate className={form.form} aria-label="Organization settings">
      {!canEdit ? (
        <div className={styles.readOnlyNote}>
          <LockIcon size={17} />
          <p>
            <strong>Read only.</strong> Only owners and admins can change these settings. You’re {roleWithArticle(role)} of {org.name}; ask an
            admin if something here should change.
          </p>
        </div>
      ) : null}

      <fieldset disabled={!canEdit || save.isPending} className={form.fieldset}>
        <div className={form.form}>
          <section className={`card ${styles.section}`} aria-labelledby="org-general">
            <div className={styles.sectionHead}>
              <div>
                <h2 id="org-general">Organization</h2>
                <p className={styles.sectionText}>The name everyone sees in the header and on invitations.</p>
              </div>
            </div>
            <Field label="Name" error={nameInvalid ? 'Enter a name.' : undefined}>
              {(control) => (
                <input
                  {...control}
                  className="input"
                  value={draft.name}
                  onChange={(event) => update({ name: event.target.value })}
                  maxLength={120}
                  required
                  autoComplete="organization"
                />
              )}
            </Field>
          </section>

          <section className={`card ${styles.section}`} aria-labelledby="org-publishing">
            <div className={styles.sectionHead}>
              <div>
                <h2 id="org-publishing">Publishing</h2>
                <p className={styles.sectionText}>
                  Agents’ artifacts start as drafts only their person sees. Publishing shares them; these are the defaults for that step.
                </p>
              </div>
            </div>
            <div className={form.form}>
              <fieldset className={form.fieldset}>
                <legend className={form.legend}>Default visibility of published artifacts</legend>
                <div className={form.choices}>
                  <Choice
                    name="defaultVisibility"
                    checked={draft.defaultVisibility === 'org'}
                    onChange={() => update({ defaultVisibility: 'org' })}
                    title="Whole organization"
                    text={`Everyone in ${org.name} can open it.`}
                  />
                  <Choice
                    name="defaultVisibility"
                    checked={draft.defaultVisibility === 'members'}
                    onChange={() => update({ defaultVisibility: 'members' })}
                    title="Named members"
                    text="Only the people the publisher picks, plus the creator and admins."
                  />
                </div>
              </fieldset>
              <fieldset className={form.fieldset}>
                <legend className={form.legend}>Who may publish</legend>
                <div className={form.choices}>
                  <Choice
                    name="publishRole"
                    checked={draft.publishRole === 'member'}
                    onChange={() => update({ publishRole: 'member' })}
                    title="Members"
                    text="Members, admins and owners publish their own drafts. Viewers never publish."
                  />
                  <Choice
                    name="publishRole"
                    checked={draft.publishRole === 'admin'}
                    onChange={() => update({ publishRole: 'admin' })}
                    title="Admins only"
                    text="Members request publication; an admin reviews the draft and publishes it."
                  />
                </div>
              </fieldset>
            </div>
          </section>

          <section className={`card ${styles.section}`} aria-labelledby="org-reviews">
            <div className={styles.sectionHead}>
              <div>
                <h2 id="org-reviews">Reviews</h2>
                <p className={styles.sectionText}>
                  When an artifact is ready to hand off: enough approvals of its latest version, and no open request for changes. An
                  approval of an earlier version no longer counts once the page changes.
                </p>
              </div>
            </div>
            <Field
              label="Approvals required for hand-off"
              hint={`0 to ${REQUIRED_APPROVALS_MAX}. With 0, an artifact is ready unless someone requests changes.`}
              hintInline
              error={approvalsInvalid ? `Enter a whole number from 0 to ${REQUIRED_APPROVALS_MAX}.` : undefined}
            >
              {(control) => (
                <input
                  {...control}
                  type="number"
                  inputMode="numeric"
                  min={0}
                  max={REQUIRED_APPROVALS_MAX}
                  step={1}
                  className={`input ${form.numberInput}`}
                  value={draft.requiredApprovals}
                  onChange={(event) => update({ requiredApprovals: event.target.value })}
                />
              )}
            </Field>
          </section>

          <section className={`card ${styles.section}`} aria-labelledby="org-retention">
            <div className={styles.sectionHead}>
              <div>
                <h2 id="org-retention">Retention</h2>
                <p className={styles.sectionText}>How long artifacts are kept after their last update.</p>
              </div>
            </div>
            <fieldset className={form.fieldset}>
              <legend className="visually-hidden">Retention</legend>
              <div className={form.choices}>
                <Choice
                  name="retention"
                  checked={draft.keepForever}
                  onChange={() => update({ keepForever: true })}
                  title="Keep forever"
                  text="Nothing is deleted automatically."
                />
                <label className={form.choice}>
                  <input type="radio" name="retention" checked={!draft.keepForever} onChange={() => update({ keepForever: false })} />
                  <span className={form.choiceTitle}>Delete after a number of days</span>
                  <span className={form.choiceText}>Artifacts not updated for this long are purged.</span>
                </label>
              </div>
            </fieldset>
            {!draft.keepForever ? (
              <div className={`${form.form} ${styles.retentionDays}`}>
                <Field
                  label="Days to keep an artifact after its last update"
                  hint={`days (1 to ${RETENTION_MAX_DAYS})`}
                  hintInline
                  error={daysInvalid ? `Enter a whole number of days from 1 to ${RETENTION_MAX_DAYS}.` : undefined}
                >
                  {(control) => (
                    <input
                      {...control}
                      type="number"
                      inputMode="numeric"
                      min={1}
                      max={RETENTION_MAX_DAYS}
                      step={1}
                      className={`input ${form.numberInput}`}
                      value={draft.retentionDays}
                      onChange={(event) => update({ retentionDays: event.target.value })}
                    />
                  )}
                </Field>
                <div className="alert alert-warning" role="note">
                  <AlertIcon size={18} className={form.warningIcon} />
                  <span>
                    <strong>Purges are permanent.</strong> An artifact untouched for{' '}
                    {daysValid ? `${days} day${days === 1 ? '' : 's'}` : 'that long'} is deleted with its versions and comments, and cannot be
                    restored. Artifacts under a legal hold are never purged while the hold stands.
                  </span>
                </div>
              </div>
            ) : null}
          </section>
        </div>
      </fieldset>

      {canEdit ? (
        <div className={styles.saveBar}>
          <FlashStatus message={saved} />
          {save.isError ? <FormError>{`Couldn’t save: ${save.error.message}`}</FormError> : null}
          <button
            type="button"
            className="button"
            disabled={!dirty || save.isPending}
            onClick={() => {
              setDraft(draftOf(org));
              setShowErrors(false);
              save.reset();
            }}
          >
            Discard changes
          </button>
          <button type="submit" className="button button-primary" disabled={!dirty || save.isPending} aria-busy={save.isPending}>
            <BusyLabel busy={save.isPending} pending="Saving…">
              Save settings
            </BusyLabel>
          </button>
        </div>
      ) : null}
    </form>
  );
}

function Choice({ name, checked, onChange, title, text }: { name: string; checked: boolean; onChange(): void; title: string; text: string }) {
  return (
    <label className={form.choice}>
      <input type="radio" name={name} checked={checked} onChange={onChange} />
      <span className={form.choiceTitle}>{title}</span>
      <span className={form.choiceText}>{text}</span>
    </label>
  );
}
