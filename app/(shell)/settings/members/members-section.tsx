'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { queryKeys } from '../../../../lib/query/keys';
import { meQueryOptions } from '../../../../lib/query/me';
import { changeMemberRoleMutationOptions, orgMembersQueryOptions, removeMemberMutationOptions, ROLES, type Member, type Role } from '../../../../lib/query/org';
import { switchOrg } from '../../../../lib/query/profile';
import type { Me } from '../../../../lib/query/schemas';
import { formatAbsoluteTime, formatRelativeTime, initialsOf } from '../../../../lib/ui/format';
import { roleLabel, roleWithArticle } from '../../../../lib/ui/roles';
import { useNow } from '../../../../lib/ui/use-now';
import { Announcer } from '../../../_components/announcer';
import { ConfirmDialog } from '../../../_components/confirm-dialog';
import { FormError, LoadError } from '../../../_components/form-error';
import form from '../../../_components/form.module.css';
import { Loading } from '../query-state';
import styles from '../settings.module.css';

type Pending = { kind: 'remove'; member: Member } | { kind: 'leave'; member: Member } | null;

/** `/settings/members`: who is in the organization, their roles, removing and leaving. */
export function MembersSection() {
  const queryClient = useQueryClient();
  const me = useQuery(meQueryOptions());
  const members = useQuery(orgMembersQueryOptions());
  const changeRole = useMutation(changeMemberRoleMutationOptions(queryClient));
  const remove = useMutation(removeMemberMutationOptions(queryClient));
  const now = useNow();
  const [confirm, setConfirm] = useState<Pending>(null);
  const [announcement, setAnnouncement] = useState('');

  const orgName = me.data?.org?.name ?? 'this organization';

  const onRoleChange = (member: Member, role: Role) => {
    setAnnouncement('');
    changeRole.mutate(
      { userId: member.userId, role },
      {
        onSuccess: () => {
          setAnnouncement(`${member.name} is now ${roleWithArticle(role)}.`);
          if (member.userId === me.data?.user.id) void queryClient.invalidateQueries({ queryKey: queryKeys.me });
        },
      },
    );
  };

  const closeDialog = () => {
    setConfirm(null);
    remove.reset();
  };

  const onConfirm = () => {
    if (!confirm) return;
    const { member, kind } = confirm;
    remove.mutate(member.userId, {
      onSuccess: () => {
        if (kind === 'remove') {
          setAnnouncement(`${member.name} was removed from ${orgName}.`);
          setConfirm(null);
          return;
        }
        void leaveTo(me.data); // it catches its own failures
      },
    });
  };

  return (
    <section className={`card ${styles.section}`} aria-labelledby="members-title">
      <div className={styles.sectionHead}>
        <div>
          <h2 id="members-title">
            Members
            {members.data ? <span className={styles.count}><span className="visually-hidden">, </span>{members.data.length}</span> : null}
          </h2>
          <p className={styles.sectionText}>
            {me.data?.can.admin
              ? 'Change what people can do, or remove them. Removing someone also revokes their agent tokens here.'
              : `Everyone in ${orgName}. Owners and admins manage roles.`}
          </p>
        </div>
      </div>

      <Announcer>
        {announcement}
      </Announcer>
      {changeRole.isError ? (
        <div className={styles.tableAlert}>
          <FormError>{`Couldn’t change the role: ${changeRole.error.message}`}</FormError>
        </div>
      ) : null}

      {members.isPending || me.isPending ? (
        <div className={styles.tableWrap}>
          <Loading label="Loading members…" />
        </div>
      ) : members.isError ? (
        <LoadError what="members" error={members.error} onRetry={() => void members.refetch()} />
      ) : me.isError ? (
        <LoadError what="your account" error={me.error} onRetry={() => void me.refetch()} />
      ) : (
        <div className={styles.tableWrap}>
          <table className={styles.table}>
            <caption className="visually-hidden">Members of {orgName}</caption>
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Role</th>
                <th scope="col">Joined</th>
                <th scope="col" className={styles.alignEnd}>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.data.map((member) => (
                <MemberRow
                  key={member.userId}
                  member={member}
                  me={me.data}
                  now={now}
                  rolePending={changeRole.isPending && changeRole.variables?.userId === member.userId}
                  onRoleChange={(role) => onRoleChange(member, role)}
                  onRemove={() => setConfirm({ kind: 'remove', member })}
                  onLeave={() => setConfirm({ kind: 'leave', member })}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}

      <ConfirmDialog
        open={confirm !== null}
        destructive
        title={confirm?.kind === 'leave' ? `Leave ${orgName}?` : `Remove ${confirm?.member.name ?? ''}?`}
        confirmLabel={confirm?.kind === 'leave' ? 'Leave organization' : 'Remove member'}
        pendingLabel={confirm?.kind === 'leave' ? 'Leaving…' : 'Removing…'}
        pending={remove.isPending}
        error={remove.isError ? remove.error.message : null}
        onConfirm={onConfirm}
        onClose={closeDialog}
      >
        {confirm?.kind === 'leave' ? (
          <>
            <p>You’ll lose access to {orgName}’s artifacts right away, and your agent tokens here stop working.</p>
            <p>To come back, you’ll need a new invitation from an admin.</p>
          </>
        ) : (
          <>
            <p>
              {confirm?.member.name} loses access to {orgName} right away. Their agent tokens here are revoked and their open pages disconnect
              within seconds.
            </p>
            <p>Their artifacts and comments stay. You can invite them again later.</p>
          </>
        )}
      </ConfirmDialog>
    </section>
  );
}

/** After leaving: into another organization if there is one, else the "no organization" page. */
async function leaveTo(me: Me | undefined): Promise<void> {
  const other = me?.orgs.find((org) => org.id !== me.org?.id);
  if (other) {
    // Best effort: the server also falls back when the session's org is gone.
    await switchOrg(other.id).catch(() => undefined);
    window.location.assign('/');
  } else {
    window.location.assign('/no-org');
  }
}

interface MemberRowProps {
  member: Member;
  me: Me;
  now: number;
  rolePending: boolean;
  onRoleChange(role: Role): void;
  onRemove(): void;
  onLeave(): void;
}

function MemberRow({ member, me, now, rolePending, onRoleChange, onRemove, onLeave }: MemberRowProps) {
  const isSelf = member.userId === me.user.id;
  const iAmOwner = me.role === 'owner';
  // Only owners touch owners (grant, remove or change the role).
  const canManage = me.can.admin && (member.role !== 'owner' || iAmOwner);
  const roleOptions = ROLES.filter((role) => role !== 'owner' || iAmOwner);
  const selectId = `role-${member.userId}`;

  return (
    <tr>
      <td>
        <div className={styles.person}>
          <span className={styles.avatar} aria-hidden="true">
            {initialsOf(member.name)}
          </span>
          <div className={styles.personText}>
            <p className={styles.name}>
              {member.name}
              {isSelf ? <span className={`chip ${styles.you}`}>You</span> : null}
            </p>
            {member.email ? <p className={styles.email}>{member.email}</p> : null}
          </div>
        </div>
      </td>
      <td data-label="Role">
        {canManage ? (
          <span className={form.inline}>
            <label htmlFor={selectId} className="visually-hidden">
              Role of {member.name}
            </label>
            <select
              id={selectId}
              className={`input ${form.select} ${styles.roleSelect}`}
              value={member.role}
              disabled={rolePending}
              onChange={(event) => onRoleChange(event.target.value as Role)}
            >
              {roleOptions.map((role) => (
                <option key={role} value={role}>
                  {roleLabel(role)}
                </option>
              ))}
            </select>
            {rolePending ? <span className="spinner" aria-label="Saving" /> : null}
          </span>
        ) : (
          <span className={`chip ${member.role === 'owner' || member.role === 'admin' ? styles.chipAccent : ''}`}>{roleLabel(member.role)}</span>
        )}
      </td>
      <td data-label="Joined" className={styles.muted}>
        <time dateTime={member.joinedAt} title={formatAbsoluteTime(member.joinedAt)} className={styles.nowrap}>
          {formatRelativeTime(member.joinedAt, now)}
        </time>
      </td>
      <td className={`${styles.alignEnd} ${styles.cellActions}`}>
        {isSelf ? (
          <button type="button" className={`button ${form.danger} ${styles.smallButton}`} onClick={onLeave}>
            Leave organization
          </button>
        ) : canManage ? (
          <button type="button" className={`button ${form.danger} ${styles.smallButton}`} onClick={onRemove}>
            Remove<span className="visually-hidden"> {member.name}</span>
          </button>
        ) : null}
      </td>
    </tr>
  );
}
