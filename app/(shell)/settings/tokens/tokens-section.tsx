'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { usePathname, useRouter } from 'next/navigation';
import { useId, useOptimistic, useState, useTransition, type FormEvent } from 'react';
import { meQueryOptions } from '../../../../lib/query/me';
import {
  createTokenMutationOptions,
  revokeTokenMutationOptions,
  TOKEN_EXPIRY_DAYS,
  TOKEN_SCOPES,
  tokensQueryOptions,
  tokenState,
  type CreatedToken,
  type Token,
  type TokenScope,
} from '../../../../lib/query/tokens';
import { formatAbsoluteTime, formatRelativeTime } from '../../../../lib/ui/format';
import { useNow } from '../../../../lib/ui/use-now';
import { Announcer } from '../../../_components/announcer';
import { ConfirmDialog } from '../../../_components/confirm-dialog';
import { FormError, LoadError } from '../../../_components/form-error';
import { Field } from '../../../_components/field';
import form from '../../../_components/form.module.css';
import { KeyIcon } from '../../../_components/icons';
import { SecretReveal } from '../../../_components/secret-reveal';
import { Loading } from '../query-state';
import styles from '../settings.module.css';

const SCOPE_LABEL: Record<TokenScope, { title: string; text: string }> = {
  'artifacts:write': { title: 'Publish and write artifacts', text: 'Create artifacts (as drafts) and update their pages.' },
  'comments:write': { title: 'Read and reply to comments', text: 'Read review threads and answer them.' },
};

function scopeLabel(scope: string): string {
  return scope in SCOPE_LABEL ? SCOPE_LABEL[scope as TokenScope].title : scope;
}

function expiryLabel(days: number | null): string {
  if (days === null) return 'Never';
  if (days === 365) return '1 year';
  return `${days} days`;
}

/** `/settings/tokens`: create agent tokens (shown once), list and revoke them; admins may list the whole org's. */
export function TokensSection({ wantsAll }: { wantsAll: boolean }) {
  const me = useQuery(meQueryOptions());
  const router = useRouter();
  const pathname = usePathname();
  const isAdmin = me.data?.can.admin ?? false;
  // The URL (`?all=1`) is the truth; the switch moves at once while the navigation runs.
  const [, startTransition] = useTransition();
  const [optimisticAll, setOptimisticAll] = useOptimistic(wantsAll);
  const showAll = optimisticAll && isAdmin;

  return (
    <>
      <CreateToken />
      <section className={`card ${styles.section}`} aria-labelledby="tokens-title">
        <div className={styles.sectionHead}>
          <div>
            <h2 id="tokens-title">{showAll ? `All tokens in ${me.data?.org?.name ?? 'the organization'}` : 'Your tokens'}</h2>
            <p className={styles.sectionText}>
              {showAll
                ? 'Every agent token anyone created here. Revoke one that should not be in use any more.'
                : 'Tokens you created in this organization. A token acts as you, limited to its permissions.'}
            </p>
          </div>
          {isAdmin ? (
            <label className={styles.toggle}>
              <input
                type="checkbox"
                checked={showAll}
                onChange={(event) => {
                  const checked = event.target.checked;
                  startTransition(() => {
                    setOptimisticAll(checked);
                    router.replace(checked ? `${pathname}?all=1` : pathname, { scroll: false });
                  });
                }}
              />
              All tokens in the organization
            </label>
          ) : null}
        </div>
        <TokenList scope={showAll ? 'org' : 'mine'} />
      </section>
    </>
  );
}

function CreateToken() {
  const queryClient = useQueryClient();
  const create = useMutation(createTokenMutationOptions(queryClient));
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<TokenScope[]>(['artifacts:write']);
  const [expiry, setExpiry] = useState<string>('90');
  const ids = { scopesHint: useId() };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!event.currentTarget.reportValidity()) return;
    create.mutate(
      { name: name.trim(), scopes, expiresInDays: expiry === 'never' ? null : Number(expiry) },
      {
        onSuccess: (token) => {
          setCreated(token);
          setName('');
        },
      },
    );
  };

  return (
    <section className={`card ${styles.section}`} aria-labelledby="new-token-title">
      <div className={styles.sectionHead}>
        <div>
          <h2 id="new-token-title">Create an agent token</h2>
          <p className={styles.sectionText}>
            Agents publish with a token (<code>LOUPE_TOKEN</code>). Make one per agent, so you can revoke one without stopping the others.
          </p>
        </div>
      </div>
      {created ? (
        <SecretReveal
          title={`Token “${created.name}” created`}
          label="New agent token"
          value={created.token}
          detail={
            <>
              {created.scopes.length > 0 ? created.scopes.map(scopeLabel).join(' · ') : 'Read only'} ·{' '}
              {created.expiresAt ? `expires ${formatAbsoluteTime(created.expiresAt)}` : 'never expires'}
            </>
          }
          warning={
            <>
              <strong>Copy this token now; you won’t see it again.</strong> Keep it like a password: anyone who has it can act as you within its
              permissions, until you revoke it.
            </>
          }
          onDone={() => setCreated(null)}
        />
      ) : (
        <form onSubmit={submit} className={form.form} aria-label="Create an agent token">
          <Field label="Name" hint="Say where it runs, so you know which one to revoke later.">
            {(control) => (
              <input
                {...control}
                className="input"
                value={name}
                onChange={(event) => setName(event.target.value)}
                required
                maxLength={120}
                placeholder="e.g. release-agent on CI"
                autoComplete="off"
              />
            )}
          </Field>
          <fieldset className={form.fieldset} aria-describedby={ids.scopesHint}>
            <legend className={form.legend}>Permissions</legend>
            <div className={form.choices}>
              {TOKEN_SCOPES.map((scope) => (
                <label key={scope} className={form.choice}>
                  <input
                    type="checkbox"
                    name="scopes"
                    value={scope}
                    checked={scopes.includes(scope)}
                    onChange={(event) =>
                      setScopes((current) => (event.target.checked ? [...current, scope] : current.filter((value) => value !== scope)))
                    }
                  />
                  <span className={form.choiceTitle}>{SCOPE_LABEL[scope].title}</span>
                  <span className={form.choiceText}>{SCOPE_LABEL[scope].text}</span>
                </label>
              ))}
            </div>
            <p id={ids.scopesHint} className={`${form.hint} ${styles.scopesHint}`}>
              Every token can read what you can read. Agents never publish, share, or manage people and settings.
            </p>
          </fieldset>
          <Field label="Expires after">
            {(control) => (
              <select
                {...control}
                className={`input ${form.select} ${styles.expirySelect}`}
                value={expiry}
                onChange={(event) => setExpiry(event.target.value)}
              >
                {TOKEN_EXPIRY_DAYS.map((days) => (
                  <option key={String(days)} value={days === null ? 'never' : String(days)}>
                    {expiryLabel(days)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {create.isError ? <FormError>{`Couldn’t create the token: ${create.error.message}`}</FormError> : null}
          <div className={form.actions}>
            <button type="submit" className="button button-primary" disabled={create.isPending} aria-busy={create.isPending}>
              {create.isPending ? <span className="spinner" aria-hidden="true" /> : <KeyIcon size={16} />}
              {create.isPending ? 'Creating…' : 'Create token'}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

function TokenList({ scope }: { scope: 'mine' | 'org' }) {
  const queryClient = useQueryClient();
  const tokens = useQuery(tokensQueryOptions(scope));
  const revoke = useMutation(revokeTokenMutationOptions(queryClient));
  const now = useNow();
  const [revoking, setRevoking] = useState<Token | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const showOwner = scope === 'org';
  const me = useQuery(meQueryOptions());
  const someoneElses = revoking !== null && revoking.user.id !== me.data?.user.id;

  return (
    <>
      <Announcer>
        {announcement}
      </Announcer>
      {tokens.isPending ? (
        <div className={styles.tableWrap}>
          <Loading label="Loading tokens…" />
        </div>
      ) : tokens.isError ? (
        <LoadError what="tokens" error={tokens.error} onRetry={() => void tokens.refetch()} />
      ) : tokens.data.length === 0 ? (
        <div className={styles.tableWrap}>
          <p className={styles.empty}>{showOwner ? 'Nobody in this organization has a token yet.' : 'You have no tokens here yet.'}</p>
        </div>
      ) : (
        <div className={styles.tableWrap}>
          <table className={styles.table} aria-labelledby="tokens-title">
            <thead>
              <tr>
                <th scope="col">Name</th>
                {showOwner ? <th scope="col">Owner</th> : null}
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col" className={styles.alignEnd}>
                  <span className="visually-hidden">Status and actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((token) => {
                const state = tokenState(token, now);
                return (
                  <tr key={token.id} className={state === 'active' ? undefined : styles.inactive}>
                    <td>
                      <p className={styles.name}>{token.name}</p>
                      <div className={`${styles.chips} ${styles.tokenScopes}`}>
                        {token.scopes.length === 0 ? <span className="chip">Read only</span> : null}
                        {token.scopes.map((value) => (
                          <span key={value} className="chip">
                            {scopeLabel(value)}
                          </span>
                        ))}
                      </div>
                    </td>
                    {showOwner ? (
                      <td data-label="Owner" className={`${styles.muted} ${styles.nowrap}`}>
                        {token.user.name}
                      </td>
                    ) : null}
                    <td data-label="Created" className={styles.muted}>
                      <TimeCell iso={token.createdAt} now={now} />
                    </td>
                    <td data-label="Expires" className={styles.muted}>
                      {token.expiresAt ? <TimeCell iso={token.expiresAt} now={now} /> : 'Never'}
                    </td>
                    <td data-label="Last used" className={styles.muted}>
                      {token.lastUsedAt ? <TimeCell iso={token.lastUsedAt} now={now} /> : 'Never'}
                    </td>
                    <td className={`${styles.alignEnd} ${styles.cellActions}`}>
                      {state === 'revoked' ? (
                        <span className={`chip ${styles.chipDanger}`} title={token.revokedAt ? `Revoked ${formatAbsoluteTime(token.revokedAt)}` : undefined}>
                          Revoked
                        </span>
                      ) : state === 'expired' ? (
                        <span className={`chip ${styles.chipWarning}`}>Expired</span>
                      ) : (
                        <button type="button" className={`button ${form.danger} ${styles.smallButton}`} onClick={() => setRevoking(token)}>
                          Revoke<span className="visually-hidden"> {token.name}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      <ConfirmDialog
        open={revoking !== null}
        destructive
        title={`Revoke “${revoking?.name ?? ''}”?`}
        confirmLabel="Revoke token"
        pendingLabel="Revoking…"
        pending={revoke.isPending}
        error={revoke.isError ? revoke.error.message : null}
        onConfirm={() => {
          if (!revoking) return;
          revoke.mutate(revoking.id, {
            onSuccess: () => {
              setAnnouncement(`The token ${revoking.name} was revoked.`);
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
          Agents using it stop working at once{someoneElses ? ` (it belongs to ${revoking.user.name})` : ''}; their live connections close within
          seconds.
        </p>
        <p>This can’t be undone. You can create a new token afterwards.</p>
      </ConfirmDialog>
    </>
  );
}

function TimeCell({ iso, now }: { iso: string; now: number }) {
  return (
    <time dateTime={iso} title={formatAbsoluteTime(iso)} className={styles.nowrap}>
      {formatRelativeTime(iso, now)}
    </time>
  );
}
