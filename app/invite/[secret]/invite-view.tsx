'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useId, useState, useTransition, type FormEvent } from 'react';
import { isApiError } from '../../../lib/query/api-client';
import {
  acceptInvitation,
  acceptInvitationWithNewAccount,
  invitationQueryOptions,
  invitationViewerQueryOptions,
  type InvitationPreview,
} from '../../../lib/query/invitations';
import { PASSWORD_MIN_LENGTH, switchOrg } from '../../../lib/query/profile';
import { formatAbsoluteTime, formatRelativeTime } from '../../../lib/ui/format';
import { ROLE_DESCRIPTION, roleWithArticle } from '../../../lib/ui/roles';
import { useNow } from '../../../lib/ui/use-now';
import { sameEmail } from '../../../lib/auth/email';
import { signInAction } from '../../_actions/sign-in';
import { signOutAndReturnAction } from '../../_actions/sign-out';
import { BusyLabel } from '../../_components/busy-label';
import { FormError } from '../../_components/form-error';
import { Field } from '../../_components/field';
import form from '../../_components/form.module.css';
import { AlertIcon, LinkIcon, SignOutIcon } from '../../_components/icons';
import screen from '../../_components/auth-screen.module.css';
import styles from './invite.module.css';

/** The invitation link's page: what it invites to, then join (signed in) or create an account (signed out). */
export function InviteView({ secret }: { secret: string }) {
  const invitation = useQuery(invitationQueryOptions(secret));
  const viewer = useQuery(invitationViewerQueryOptions());
  // The sign-in cookie named someone, but the server no longer knows that session: sign up or in afresh.
  const [sessionGone, setSessionGone] = useState(false);
  const signInHref = `/signin?callbackUrl=${encodeURIComponent(`/invite/${secret}`)}`;

  if (invitation.isPending) {
    return (
      <p className={styles.loading} role="status">
        <span className="spinner" aria-hidden="true" /> Checking your invitation…
      </p>
    );
  }

  if (invitation.isError) {
    const status = isApiError(invitation.error) ? invitation.error.status : 0;
    if (status === 410) {
      return (
        <DeadEnd
          code="410"
          title="This invitation can’t be used any more"
          text="It has expired, was already used, or was revoked. Invitation links work once, and only until they expire. Ask an admin of the organization for a new link."
        />
      );
    }
    if (status === 404) {
      return (
        <DeadEnd
          code="404"
          title="This invitation link doesn’t work"
          text="Check that you opened the whole link (they are long), or ask the person who invited you to send it again."
        />
      );
    }
    return (
      <div className={styles.state}>
        <h1 className={screen.title}>Couldn’t check this invitation</h1>
        <FormError>{invitation.error.message}</FormError>
        <button type="button" className="button" onClick={() => void invitation.refetch()}>
          Try again
        </button>
      </div>
    );
  }

  const data = invitation.data;
  return (
    <>
      <h1 className={screen.title}>Join {data.org.name} on Loupe</h1>
      <p className={screen.lede}>
        {data.invitedBy.name} invited you to {data.org.name}, to review the pages its agents publish.
      </p>
      <InvitationDetails invitation={data} />
      <div className={styles.body}>
        {viewer.isPending ? (
          <p className={styles.loading} role="status">
            <span className="spinner" aria-hidden="true" /> Checking whether you’re signed in…
          </p>
        ) : viewer.data && !sessionGone ? (
          <JoinAsViewer
            secret={secret}
            invitation={data}
            who={viewer.data.kind === 'member' ? viewer.data.me.user : viewer.data}
            alreadyMember={viewer.data.kind === 'member' && viewer.data.me.orgs.some((org) => org.id === data.org.id)}
            onSessionGone={() => setSessionGone(true)}
          />
        ) : (
          <>
            <CreateAccount secret={secret} invitation={data} signInHref={signInHref} />
            <p className={styles.signedInAs}>
              Already have an account? <Link href={signInHref}>Sign in</Link> and you’ll come back here to join.
            </p>
          </>
        )}
      </div>
    </>
  );
}

function InvitationDetails({ invitation }: { invitation: InvitationPreview }) {
  const now = useNow();
  return (
    <dl className={styles.details}>
      <dt>Organization</dt>
      <dd>{invitation.org.name}</dd>
      <dt>Role</dt>
      <dd>
        {roleWithArticle(invitation.role).replace(/^(an?) /, '').replace(/^./, (c) => c.toUpperCase())}
        <span className={styles.roleText}>{ROLE_DESCRIPTION[invitation.role]}</span>
      </dd>
      <dt>Invited by</dt>
      <dd>{invitation.invitedBy.name}</dd>
      {invitation.email ? (
        <>
          <dt>For</dt>
          <dd>{invitation.email}</dd>
        </>
      ) : null}
      <dt>Expires</dt>
      <dd>
        <time dateTime={invitation.expiresAt} title={formatAbsoluteTime(invitation.expiresAt)}>
          {formatRelativeTime(invitation.expiresAt, now)}
        </time>
      </dd>
    </dl>
  );
}

interface JoinAsViewerProps {
  secret: string;
  invitation: InvitationPreview;
  who: { name: string; email?: string | null };
  alreadyMember: boolean;
  onSessionGone(): void;
}

function JoinAsViewer({ secret, invitation, who, alreadyMember, onSessionGone }: JoinAsViewerProps) {
  // An invitation made for one address is accepted only by that account (the server refuses the rest with 403).
  const addressedElsewhere = Boolean(invitation.email && who.email && !sameEmail(invitation.email, who.email));
  const queryClient = useQueryClient();
  const join = useMutation({
    // Already in it: just go there, and leave the link unused.
    mutationFn: async () => {
      if (alreadyMember) await switchOrg(invitation.org.id);
      else await acceptInvitation(secret);
    },
    onSuccess: async () => {
      // The session now works in the invitation's org: nothing cached still holds. A full
      // load, because the router may hold a prefetch of `/` from before (a redirect to /no-org).
      await queryClient.resetQueries();
      window.location.assign('/');
    },
    onError: (error) => {
      // 400: the server wanted an account in the body, so it saw no live session after all.
      if (isApiError(error) && (error.status === 400 || error.status === 401)) onSessionGone();
    },
  });
  const busy = join.isPending || join.isSuccess;
  const signedInAs = (
    <p className={styles.signedInAs}>
      Signed in as <strong>{who.name || who.email}</strong>
      {who.name && who.email ? <> ({who.email})</> : null}.
    </p>
  );

  if (!alreadyMember && (addressedElsewhere || (join.isError && isApiError(join.error) && join.error.status === 403))) {
    return (
      <>
        {signedInAs}
        <WrongAccount secret={secret} />
      </>
    );
  }

  return (
    <>
      {signedInAs}
      {alreadyMember ? (
        <div className="alert alert-warning" role="note">
          <AlertIcon size={18} className={form.warningIcon} />
          <span>You’re already a member of {invitation.org.name}, so you don’t need this link.</span>
        </div>
      ) : null}
      {join.isError ? (
        <FormError>{join.error.message}</FormError>
      ) : null}
      <button type="button" className={`button button-primary ${styles.submit}`} onClick={() => join.mutate()} disabled={busy} aria-busy={busy}>
        <BusyLabel busy={busy} pending={alreadyMember ? 'Opening…' : 'Joining…'}>
          {alreadyMember ? `Open ${invitation.org.name}` : `Join ${invitation.org.name}`}
        </BusyLabel>
      </button>
    </>
  );
}

/**
 * Signed in as someone the invitation is not for. Says so without naming
 * anything the page does not already show, and offers the way out: sign out
 * and come back to this link, to sign in (or create the account) as the
 * address it was sent to.
 */
function WrongAccount({ secret }: { secret: string }) {
  return (
    <>
      <div className="alert alert-warning" role="alert">
        <AlertIcon size={18} className={form.warningIcon} />
        <span>
          This invitation was sent to a different email address, so this account can’t accept it. Sign out, then sign in or create an
          account with the address it was sent to.
        </span>
      </div>
      <form action={signOutAndReturnAction}>
        <input type="hidden" name="callbackUrl" value={`/invite/${secret}`} />
        <button type="submit" className={`button button-primary ${styles.submit}`}>
          <SignOutIcon size={16} /> Sign out and switch account
        </button>
      </form>
    </>
  );
}

function CreateAccount({ secret, invitation, signInHref }: { secret: string; invitation: InvitationPreview; signInHref: string }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState(invitation.email ?? '');
  const [password, setPassword] = useState('');
  const [signingIn, startSignIn] = useTransition();
  const [signInFailed, setSignInFailed] = useState(false);
  const ids = { title: useId(), error: useId() };
  const fixedEmail = Boolean(invitation.email);

  const create = useMutation({
    mutationFn: () => acceptInvitationWithNewAccount(secret, { name: name.trim(), email: email.trim(), password }),
    onSuccess: (result) => {
      const email = result.email;
      if (!email) {
        // The server joined an existing session (signed in, but in no organization yet): already in.
        window.location.assign('/');
        return;
      }
      // The account exists; sign in the usual way (the action redirects to the gallery).
      const data = new FormData();
      data.set('email', email);
      data.set('password', password);
      data.set('callbackUrl', '/');
      startSignIn(async () => {
        const state = await signInAction({ error: null, email }, data);
        if (state.error) setSignInFailed(true);
      });
    },
  });

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!event.currentTarget.reportValidity()) return;
    create.mutate();
  };

  const exists = create.isError && isApiError(create.error) && create.error.status === 409;
  const busy = create.isPending || signingIn || (create.isSuccess && !signInFailed);

  if (signInFailed) {
    return (
      <div className="alert alert-warning" role="alert">
        <AlertIcon size={18} className={form.warningIcon} />
        <span>
          Your account is ready and you’re a member of {invitation.org.name}, but signing in didn’t work this time.{' '}
          <Link href="/signin?callbackUrl=%2F">Sign in</Link> with {email.trim()} to continue.
        </span>
      </div>
    );
  }

  return (
    <form onSubmit={submit} className={form.form} aria-labelledby={ids.title}>
      <h2 id={ids.title} className={styles.formTitle}>
        Create your account
      </h2>
      {exists ? (
        <FormError id={ids.error}>
          There’s already an account for {email.trim()}. <Link href={signInHref}>Sign in</Link>, and you’ll come back here to join.
        </FormError>
      ) : create.isError ? (
        <FormError id={ids.error}>Couldn’t create your account: {create.error.message}</FormError>
      ) : null}
      <Field label="Your name">
        {(control) => (
          <input
            {...control}
            className="input"
            value={name}
            onChange={(event) => setName(event.target.value)}
            required
            maxLength={120}
            autoComplete="name"
            autoFocus
          />
        )}
      </Field>
      <Field label="Email" hint={fixedEmail ? 'This invitation is for this address.' : undefined} describedBy={!fixedEmail && exists ? ids.error : undefined}>
        {(control) => (
          <input
            {...control}
            type="email"
            className={`input ${fixedEmail ? styles.readOnly : ''}`}
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            required
            readOnly={fixedEmail}
            maxLength={320}
            autoComplete="username"
            aria-invalid={exists || undefined}
          />
        )}
      </Field>
      <Field label="Password" hint={`At least ${PASSWORD_MIN_LENGTH} characters.`}>
        {(control) => (
          <input
            {...control}
            type="password"
            className="input"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            required
            minLength={PASSWORD_MIN_LENGTH}
            maxLength={1024}
            autoComplete="new-password"
          />
        )}
      </Field>
      <button type="submit" className={`button button-primary ${styles.submit}`} disabled={busy} aria-busy={busy}>
        <BusyLabel busy={busy} pending={create.isSuccess ? 'Signing you in…' : 'Creating your account…'}>
          Create account and join
        </BusyLabel>
      </button>
    </form>
  );
}

function DeadEnd({ code, title, text }: { code: string; title: string; text: string }) {
  return (
    <div className={styles.state}>
      <span className={`${styles.stateIcon} ${code === '404' ? styles.stateIconDanger : ''}`} aria-hidden="true">
        <LinkIcon size={22} />
      </span>
      <p className={styles.statusCode}>
        <span className="visually-hidden">Status </span>
        {code}
      </p>
      <h1 className={screen.title}>{title}</h1>
      <p className={screen.lede}>{text}</p>
      <Link href="/" className="button">
        Go to Loupe
      </Link>
    </div>
  );
}
