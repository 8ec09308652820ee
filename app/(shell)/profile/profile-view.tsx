'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { isApiError } from '../../../lib/query/api-client';
import { meQueryOptions } from '../../../lib/query/me';
import {
  changePasswordMutationOptions,
  createOrgMutationOptions,
  PASSWORD_MIN_LENGTH,
  signOutEverywhereMutationOptions,
  SWITCH_FAILED,
  switchOrgMutationOptions,
  updateProfileMutationOptions,
} from '../../../lib/query/profile';
import type { Me } from '../../../lib/query/schemas';
import { roleLabel } from '../../../lib/ui/roles';
import { signOutAction } from '../../_actions/sign-out';
import { BusyLabel } from '../../_components/busy-label';
import { ConfirmDialog } from '../../_components/confirm-dialog';
import { FlashStatus, useFlash } from '../../_components/flash-status';
import { FormError, LoadError } from '../../_components/form-error';
import { Field } from '../../_components/field';
import form from '../../_components/form.module.css';
import { BuildingIcon, SignOutIcon } from '../../_components/icons';
import styles from './profile.module.css';

/** `/profile`: the signed-in person's own account. */
export function ProfileView() {
  const me = useQuery(meQueryOptions());
  if (me.isPending) {
    return (
      <p className={styles.sectionText} role="status">
        <span className="spinner" aria-hidden="true" /> Loading your profile…
      </p>
    );
  }
  if (me.isError) {
    return (
      <LoadError what="your profile" error={me.error} onRetry={() => void me.refetch()} />
    );
  }
  return (
    <div className={styles.stack}>
      <DetailsSection me={me.data} />
      <PasswordSection email={me.data.user.email ?? ''} />
      <OrgsSection me={me.data} />
      <SessionsSection />
    </div>
  );
}

function DetailsSection({ me }: { me: Me }) {
  const queryClient = useQueryClient();
  const save = useMutation(updateProfileMutationOptions(queryClient));
  const [name, setName] = useState(me.user.name);
  const [flash, setFlash] = useFlash();
  const dirty = name.trim() !== me.user.name;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!event.currentTarget.reportValidity() || !dirty) return;
    save.mutate(
      { name: name.trim() },
      {
        onSuccess: (next) => {
          setName(next.user.name);
          setFlash('Name saved.');
        },
      },
    );
  };

  return (
    <section className={`card ${styles.section}`} aria-labelledby="details-title">
      <div className={styles.sectionHead}>
        <h2 id="details-title">Your details</h2>
        <p className={styles.sectionText}>Your name is what others see on comments, presence and members lists.</p>
      </div>
      <form onSubmit={submit} className={form.form}>
        <div className={styles.twoCol}>
          <Field label="Display name">
            {(control) => (
              <input
                {...control}
                className="input"
                value={name}
                onChange={(event) => setName(event.target.value)}
                required
                maxLength={120}
                autoComplete="name"
              />
            )}
          </Field>
          <Field label="Email" hint="You sign in with this address; it can’t be changed here.">
            {(control) => <input {...control} className={`input ${styles.readOnly}`} value={me.user.email ?? ''} readOnly />}
          </Field>
        </div>
        {save.isError ? (
          <FormError>Couldn’t save your name: {save.error.message}</FormError>
        ) : null}
        <div className={form.actions}>
          <button type="submit" className="button button-primary" disabled={!dirty || save.isPending} aria-busy={save.isPending}>
            <BusyLabel busy={save.isPending} pending="Saving…">
              Save name
            </BusyLabel>
          </button>
          <FlashStatus message={flash} />
        </div>
      </form>
    </section>
  );
}

function PasswordSection({ email }: { email: string }) {
  const change = useMutation(changePasswordMutationOptions());
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [flash, setFlash] = useFlash();
  const wrongCurrent = change.isError && isApiError(change.error) && change.error.status === 403;
  // Too many wrong current passwords: the server's message says how long to wait.
  const limited = change.isError && isApiError(change.error) && change.error.status === 429;
  const tooShort = next.length > 0 && next.length < PASSWORD_MIN_LENGTH;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!event.currentTarget.reportValidity()) return;
    change.mutate(
      { currentPassword: current, newPassword: next },
      {
        onSuccess: () => {
          setCurrent('');
          setNext('');
          setFlash('Password changed. Your other sessions were signed out.');
        },
      },
    );
  };

  return (
    <section className={`card ${styles.section}`} aria-labelledby="password-title">
      <div className={styles.sectionHead}>
        <h2 id="password-title">Password</h2>
        <p className={styles.sectionText}>Use at least {PASSWORD_MIN_LENGTH} characters. A few unrelated words make a good one.</p>
      </div>
      <form onSubmit={submit} className={form.form}>
        {/* Lets password managers tie the new password to this account. */}
        <input type="email" name="username" autoComplete="username" hidden readOnly value={email} />
        <div className={styles.twoCol}>
          <Field label="Current password" error={wrongCurrent ? 'That isn’t your current password.' : undefined}>
            {(control) => (
              <input
                {...control}
                type="password"
                className="input"
                value={current}
                onChange={(event) => {
                  setCurrent(event.target.value);
                  if (change.isError) change.reset();
                }}
                required
                autoComplete="current-password"
              />
            )}
          </Field>
          <Field
            label="New password"
            hint={tooShort ? undefined : `At least ${PASSWORD_MIN_LENGTH} characters.`}
            error={tooShort ? `${PASSWORD_MIN_LENGTH - next.length} more characters needed.` : undefined}
          >
            {(control) => (
              <input
                {...control}
                type="password"
                className="input"
                value={next}
                onChange={(event) => setNext(event.target.value)}
                required
                minLength={PASSWORD_MIN_LENGTH}
                maxLength={1024}
                autoComplete="new-password"
              />
            )}
          </Field>
        </div>
        {limited ? <FormError>{change.error.message}</FormError> : null}
        {change.isError && !wrongCurrent && !limited ? (
          <FormError>Couldn’t change your password: {change.error.message}</FormError>
        ) : null}
        <div className={form.actions}>
          <button type="submit" className="button button-primary" disabled={change.isPending} aria-busy={change.isPending}>
            <BusyLabel busy={change.isPending} pending="Changing…">
              Change password
            </BusyLabel>
          </button>
          <FlashStatus message={flash} />
        </div>
      </form>
    </section>
  );
}

function OrgsSection({ me }: { me: Me }) {
  const queryClient = useQueryClient();
  const router = useRouter();
  const switcher = useMutation(switchOrgMutationOptions(queryClient));
  const orgs = me.orgs.length > 0 ? me.orgs : me.org ? [{ ...me.org, role: me.role }] : [];

  return (
    <section className={`card ${styles.section}`} aria-labelledby="orgs-title">
      <div className={styles.sectionHead}>
        <h2 id="orgs-title">Organizations</h2>
        <p className={styles.sectionText}>
          {orgs.length > 1 ? 'You belong to these organizations. Switch to work in another one.' : 'The organization you belong to.'}
        </p>
      </div>
      {switcher.isError ? (
        <FormError>Couldn’t switch: {switcher.error.message}</FormError>
      ) : null}
      {orgs.length === 0 ? (
        <p className={styles.sectionText}>You aren’t in any organization yet. Ask an admin for an invitation link.</p>
      ) : (
        <ul className={styles.orgs} aria-labelledby="orgs-title">
          {orgs.map((org) => {
            const isCurrent = org.id === me.org?.id;
            const pending = switcher.isPending && switcher.variables === org.id;
            return (
              <li key={org.id} className={styles.org} aria-current={isCurrent ? 'true' : undefined}>
                <span className={styles.orgIcon} aria-hidden="true">
                  <BuildingIcon size={17} />
                </span>
                <div className={styles.orgText}>
                  <p className={styles.orgName}>{org.name}</p>
                  <p className={styles.orgMeta}>
                    <span className="chip">{roleLabel(org.role)}</span>
                    {isCurrent ? <span className={`chip ${styles.current}`}>Current</span> : null}
                  </p>
                </div>
                {!isCurrent ? (
                  <button
                    type="button"
                    className={`button ${styles.smallButton}`}
                    disabled={switcher.isPending}
                    aria-busy={pending}
                    onClick={() =>
                      switcher.mutate(org.id, {
                        onSuccess: () => {
                          router.push('/');
                          router.refresh();
                        },
                      })
                    }
                  >
                    {pending ? <span className="spinner" aria-hidden="true" /> : null}
                    Switch<span className="visually-hidden"> to {org.name}</span>
                  </button>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
      <NewOrgForm />
    </section>
  );
}

/** The account menu's "New organization…" links here (`/profile#new-org`) and focuses the field inside. */
const NEW_ORG_ANCHOR = 'new-org';

/** Starts an organization; on success the session moves into it and the gallery opens. */
function NewOrgForm() {
  const queryClient = useQueryClient();
  const router = useRouter();
  const create = useMutation(
    createOrgMutationOptions(queryClient, (path) => {
      router.push(path);
      router.refresh();
    }),
  );
  const [name, setName] = useState('');
  const inputRef = useRef<HTMLInputElement>(null);
  const ids = { title: useId(), hint: useId() };
  // Navigating away after success: stay busy until the gallery replaces this page.
  const busy = create.isPending || create.isSuccess;
  const failure = create.isError && isApiError(create.error) ? create.error.code : null;
  // Only a 400 is about the name itself (the server names the field).
  const nameRejected = failure === 'bad_request';

  // Arriving from the account menu: the field is where the person meant to go.
  useEffect(() => {
    if (window.location.hash === `#${NEW_ORG_ANCHOR}`) inputRef.current?.focus();
  }, []);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!event.currentTarget.reportValidity() || busy) return;
    create.mutate(name.trim());
  };

  return (
    <form id={NEW_ORG_ANCHOR} onSubmit={submit} className={styles.newOrg} aria-labelledby={ids.title}>
      <h3 id={ids.title} className={styles.newOrgTitle}>
        New organization
      </h3>
      <p id={ids.hint} className={styles.newOrgHint}>
        Start one for another team or project. You’ll be its owner, and Loupe switches you to it.
      </p>
      <div className={styles.newOrgRow}>
        <Field label="Organization name" describedBy={ids.hint} className={styles.newOrgField}>
          {(control) => (
            <input
              {...control}
              ref={inputRef}
              className="input"
              value={name}
              onChange={(event) => {
                const value = event.target.value;
                setName(value);
                event.target.setCustomValidity(value && !value.trim() ? 'Enter a name, not just spaces.' : '');
                if (create.isError) create.reset();
              }}
              required
              maxLength={120}
              autoComplete="off"
              aria-invalid={nameRejected || undefined}
              readOnly={busy}
            />
          )}
        </Field>
        <button type="submit" className={`button button-primary ${styles.newOrgButton}`} disabled={busy} aria-busy={busy}>
          <BusyLabel busy={busy} pending="Creating…">
            Create organization
          </BusyLabel>
        </button>
      </div>
      {create.isError ? (
        <FormError>{failure === SWITCH_FAILED ? create.error.message : `Couldn’t create the organization: ${create.error.message}`}</FormError>
      ) : null}
    </form>
  );
}

function SessionsSection() {
  const everywhere = useMutation(signOutEverywhereMutationOptions());
  const [confirming, setConfirming] = useState(false);

  return (
    <section className={`card ${styles.section}`} aria-labelledby="sessions-title">
      <div className={styles.sectionHead}>
        <h2 id="sessions-title">Sessions</h2>
      </div>
      <div className={styles.sessionRow}>
        <div className={styles.sessionText}>
          <p className={styles.sessionTitle}>This browser</p>
          <p className={styles.sessionHint}>Sign out here; you stay signed in elsewhere.</p>
        </div>
        <form action={signOutAction} className={styles.inlineForm}>
          <button type="submit" className="button">
            <SignOutIcon size={16} /> Sign out
          </button>
        </form>
      </div>
      <div className={styles.sessionRow}>
        <div className={styles.sessionText}>
          <p className={styles.sessionTitle}>Every device</p>
          <p className={styles.sessionHint}>Lost a laptop, or signed in somewhere you shouldn’t have? End every session, this one included.</p>
        </div>
        <button type="button" className={`button ${form.danger}`} onClick={() => setConfirming(true)}>
          Sign out everywhere
        </button>
      </div>
      <ConfirmDialog
        open={confirming}
        destructive
        title="Sign out everywhere?"
        confirmLabel="Sign out everywhere"
        pendingLabel="Signing out…"
        pending={everywhere.isPending}
        error={everywhere.isError ? everywhere.error.message : null}
        onConfirm={() => everywhere.mutate(undefined, { onSuccess: () => window.location.assign('/signin') })}
        onClose={() => {
          setConfirming(false);
          everywhere.reset();
        }}
      >
        <p>Every session you have, in every browser and on every device, ends now, this one included. Open pages disconnect.</p>
        <p>Agent tokens are separate: revoke those under Settings → Agent tokens.</p>
      </ConfirmDialog>
    </section>
  );
}
