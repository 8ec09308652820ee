'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { meQueryOptions } from '../../../../lib/query/me';
import {
  createInvitationMutationOptions,
  INVITATION_DEFAULT_DAYS,
  orgInvitationsQueryOptions,
  revokeInvitationMutationOptions,
  ROLES,
  type CreatedInvitation,
  type PendingInvitation,
  type Role,
} from '../../../../lib/query/org';
import { formatAbsoluteTime, formatRelativeTime } from '../../../../lib/ui/format';
import { ROLE_DESCRIPTION, roleLabel, roleWithArticle } from '../../../../lib/ui/roles';
import { useNow } from '../../../../lib/ui/use-now';
import { Announcer } from '../../../_components/announcer';
import { ConfirmDialog } from '../../../_components/confirm-dialog';
import { FormError, LoadError } from '../../../_components/form-error';
import { Field } from '../../../_components/field';
import form from '../../../_components/form.module.css';
import { LinkIcon } from '../../../_components/icons';
import { SecretReveal } from '../../../_components/secret-reveal';
import { Loading } from '../query-state';
import styles from '../settings.module.css';

const EXPIRY_CHOICES = [1, 3, 7, 14, 30] as const;

/** Invitation links: create one (shown once), see pending ones, revoke. Admins only. */
export function InvitationsSection() {
  const me = useQuery(meQueryOptions());
  if (!me.data?.can.admin) return null;
  return <Invitations myRole={me.data.role} orgName={me.data.org?.name ?? 'your organization'} />;
}

function Invitations({ myRole, orgName }: { myRole: string; orgName: string }) {
  const queryClient = useQueryClient();
  const invitations = useQuery(orgInvitationsQueryOptions());
  const create = useMutation(createInvitationMutationOptions(queryClient));
  const revoke = useMutation(revokeInvitationMutationOptions(queryClient));
  const now = useNow();
  const [created, setCreated] = useState<CreatedInvitation | null>(null);
  const [revoking, setRevoking] = useState<PendingInvitation | null>(null);
  const [announcement, setAnnouncement] = useState('');

  // Admins invite up to their own role: owner only by an owner.
  const roles = ROLES.filter((role) => role !== 'owner' || myRole === 'owner');
  const [role, setRole] = useState<Role>('member');
  const [email, setEmail] = useState('');
  const [days, setDays] = useState<number>(INVITATION_DEFAULT_DAYS);
  const ids = { roleHint: useId(), emailHint: useId() };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!event.currentTarget.reportValidity()) return;
    setAnnouncement('');
    const trimmed = email.trim();
    create.mutate(
      { role, expiresInDays: days, ...(trimmed ? { email: trimmed } : {}) },
      {
        onSuccess: (invitation) => {
          setCreated(invitation);
          setEmail('');
        },
      },
    );
  };

  return (
    <section className={`card ${styles.section}`} aria-labelledby="invitations-title">
      <div className={styles.sectionHead}>
        <div>
          <h2 id="invitations-title">Invitations</h2>
          <p className={styles.sectionText}>
            Create a link and send it to the person you want in {orgName}. Each link works once, until it expires.
          </p>
        </div>
      </div>

      {created ? (
        <SecretReveal
          title="Invitation link created"
          label="Invitation link"
          value={created.url}
          detail={
            <>
              Joins as {roleWithArticle(created.role)}
              {created.email ? <> · for {created.email}</> : null} · expires {formatRelativeTime(created.expiresAt, now)} (
              {formatAbsoluteTime(created.expiresAt)})
            </>
          }
          warning={
            <>
              <strong>Copy this link now; it is shown only once.</strong> Anyone who has it can join {orgName} as {roleWithArticle(created.role)}{' '}
              until it is used or expires, so send it privately.
            </>
          }
          onDone={() => setCreated(null)}
        />
      ) : (
        <form onSubmit={submit} className={form.form} aria-label="Create an invitation link">
          <div className={styles.formGrid}>
            <Field label="Role" describedBy={ids.roleHint}>
              {(control) => (
                <select {...control} className={`input ${form.select}`} value={role} onChange={(event) => setRole(event.target.value as Role)}>
                  {roles.map((value) => (
                    <option key={value} value={value}>
                      {roleLabel(value)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Email" optional describedBy={ids.emailHint}>
              {(control) => (
                <input
                  {...control}
                  type="email"
                  className="input"
                  value={email}
                  onChange={(event) => setEmail(event.target.value)}
                  placeholder="name@example.com"
                  autoComplete="off"
                  maxLength={320}
                />
              )}
            </Field>
            <Field label="Expires after">
              {(control) => (
                <select {...control} className={`input ${form.select}`} value={days} onChange={(event) => setDays(Number(event.target.value))}>
                  {EXPIRY_CHOICES.map((value) => (
                    <option key={value} value={value}>
                      {value === 1 ? '1 day' : `${value} days`}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <p id={ids.roleHint} className={`${form.hint} ${styles.formGridWide}`}>
              {roleLabel(role)}: {ROLE_DESCRIPTION[role]} <span id={ids.emailHint}>With an email, only that address can use the link.</span>
            </p>
          </div>
          {create.isError ? <FormError>{`Couldn’t create the invitation: ${create.error.message}`}</FormError> : null}
          <div className={form.actions}>
            <button type="submit" className="button button-primary" disabled={create.isPending} aria-busy={create.isPending}>
              {create.isPending ? <span className="spinner" aria-hidden="true" /> : <LinkIcon size={16} />}
              {create.isPending ? 'Creating…' : 'Create invitation link'}
            </button>
          </div>
        </form>
      )}

      <hr className={styles.divider} />

      <h3 className={styles.subheading} id="pending-title">
        Pending invitations
        {invitations.data ? <span className={styles.count}><span className="visually-hidden">, </span>{invitations.data.length}</span> : null}
      </h3>
      <Announcer>
        {announcement}
      </Announcer>

      {invitations.isPending ? (
        <Loading label="Loading invitations…" />
      ) : invitations.isError ? (
        <LoadError what="invitations" error={invitations.error} onRetry={() => void invitations.refetch()} />
      ) : invitations.data.length === 0 ? (
        <p className={styles.emptyInline}>No pending invitations. Links that were used, revoked or expired don’t show here.</p>
      ) : (
        <div className={styles.tableWrap}>
          <table className={styles.table} aria-labelledby="pending-title">
            <thead>
              <tr>
                <th scope="col">For</th>
                <th scope="col">Role</th>
                <th scope="col">Invited by</th>
                <th scope="col">Expires</th>
                <th scope="col" className={styles.alignEnd}>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invitations.data.map((invitation) => (
                <tr key={invitation.id}>
                  <td>
                    <p className={styles.name}>{invitation.email ?? 'Anyone with the link'}</p>
                    <p className={styles.email}>
                      Created <time dateTime={invitation.createdAt}>{formatRelativeTime(invitation.createdAt, now)}</time>
                    </p>
                  </td>
                  <td data-label="Role">
                    <span className="chip">{roleLabel(invitation.role)}</span>
                  </td>
                  <td data-label="Invited by" className={styles.muted}>
                    {invitation.createdBy.name}
                  </td>
                  <td data-label="Expires" className={styles.muted}>
                    <time dateTime={invitation.expiresAt} title={formatAbsoluteTime(invitation.expiresAt)} className={styles.nowrap}>
                      {formatRelativeTime(invitation.expiresAt, now)}
                    </time>
                  </td>
                  <td className={`${styles.alignEnd} ${styles.cellActions}`}>
                    <button type="button" className={`button ${form.danger} ${styles.smallButton}`} onClick={() => setRevoking(invitation)}>
                      Revoke<span className="visually-hidden"> the invitation for {invitation.email ?? 'anyone with the link'}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <ConfirmDialog
        open={revoking !== null}
        destructive
        title="Revoke this invitation?"
        confirmLabel="Revoke invitation"
        pendingLabel="Revoking…"
        pending={revoke.isPending}
        error={revoke.isError ? revoke.error.message : null}
        onConfirm={() => {
          if (!revoking) return;
          revoke.mutate(revoking.id, {
            onSuccess: () => {
              setAnnouncement(`The invitation for ${revoking.email ?? 'anyone with the link'} was revoked.`);
              setRevoking(null);
            },
          });
        }}
        onClose={() => {
          setRevoking(null);
          revoke.reset();
        }}
      >
        <p>
          The link for {revoking?.email ?? 'anyone with the link'} ({revoking ? roleLabel(revoking.role).toLowerCase() : ''}) stops working right
          away. You can create a new one at any time.
        </p>
      </ConfirmDialog>
    </section>
  );
}
