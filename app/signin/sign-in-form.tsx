'use client';

import { useActionState, useEffect, useRef } from 'react';
import { useFormStatus } from 'react-dom';
import { signInAction, type SignInState } from '../_actions/sign-in';
import { AlertIcon } from '../_components/icons';
import { Field } from '../_components/field';
import styles from './signin.module.css';

function SubmitButton() {
  const { pending } = useFormStatus();
  return (
    <button type="submit" className={`button button-primary ${styles.submit}`} disabled={pending} aria-busy={pending}>
      {pending ? (
        <>
          <span className="spinner" aria-hidden="true" /> Signing in…
        </>
      ) : (
        'Sign in'
      )}
    </button>
  );
}

export function SignInForm({ callbackUrl, initialError }: { callbackUrl: string; initialError: string | null }) {
  const [state, formAction] = useActionState<SignInState, FormData>(signInAction, { error: initialError, email: '' });
  const passwordRef = useRef<HTMLInputElement>(null);
  const hasError = state.error !== null;

  // After a failed attempt, put the cursor back in the password field.
  useEffect(() => {
    if (hasError && state.email) passwordRef.current?.focus();
  }, [state, hasError]);

  return (
    <form action={formAction} className={styles.form} noValidate={false}>
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      {hasError ? (
        <div className="alert" role="alert" id="signin-error">
          <AlertIcon size={18} className={styles.alertIcon} />
          <span>{state.error}</span>
        </div>
      ) : null}
      <Field id="email" label="Email" describedBy={hasError ? 'signin-error' : undefined}>
        {(control) => (
          <input
            {...control}
            name="email"
            type="email"
            className="input"
            autoComplete="username"
            autoFocus
            required
            defaultValue={state.email}
            key={`email-${state.email}`}
            aria-invalid={hasError || undefined}
          />
        )}
      </Field>
      <Field id="password" label="Password" describedBy={hasError ? 'signin-error' : undefined}>
        {(control) => (
          <input
            {...control}
            ref={passwordRef}
            name="password"
            type="password"
            className="input"
            autoComplete="current-password"
            required
            aria-invalid={hasError || undefined}
          />
        )}
      </Field>
      <SubmitButton />
    </form>
  );
}
