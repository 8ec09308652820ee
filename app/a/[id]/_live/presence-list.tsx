import { initialsOf } from '../../../../lib/ui/format';
import type { Participant } from './use-presence';
import styles from './presence-list.module.css';

/** More than this many avatars collapse into "+N". */
const MAX_AVATARS = 5;

function describe(person: Participant): string {
  const parts = [person.name];
  // Agent token names often say "agent" already; do not say it twice.
  if (person.kind === 'agent' && !/\(agent\)$/i.test(person.name)) parts.push('agent');
  if (person.isSelf) parts.push('you');
  else if (person.isSameUser) parts.push('you, in another tab');
  return parts.length > 1 ? `${parts[0]} (${parts.slice(1).join(', ')})` : parts[0];
}

/** Everyone in the room: initials in the server's colour, the name on hover or focus. */
export function PresenceList({ participants }: { participants: Participant[] }) {
  if (participants.length === 0) return null;
  const shown = participants.slice(0, MAX_AVATARS);
  const hidden = participants.slice(MAX_AVATARS);
  return (
    <ul className={styles.list} aria-label={`${participants.length} ${participants.length === 1 ? 'person' : 'people'} here`}>
      {shown.map((person) => {
        const label = describe(person);
        return (
          <li key={person.clientId} className={styles.item}>
            <span
              className={styles.avatar}
              data-kind={person.kind}
              data-self={person.isSelf || undefined}
              style={{ background: person.color }}
              tabIndex={0}
              role="img"
              aria-label={label}
              data-testid="presence-avatar"
            >
              {initialsOf(person.name)}
              {person.kind === 'agent' ? (
                <span className={styles.badge} aria-hidden="true">
                  agent
                </span>
              ) : null}
            </span>
            <span className={styles.tooltip} aria-hidden="true">
              {label}
            </span>
          </li>
        );
      })}
      {hidden.length > 0 ? (
        <li className={styles.item}>
          <span className={`${styles.avatar} ${styles.more}`} tabIndex={0} role="img" aria-label={`and ${hidden.map(describe).join(', ')}`}>
            +{hidden.length}
          </span>
          <span className={styles.tooltip} aria-hidden="true">
            {hidden.map(describe).join(', ')}
          </span>
        </li>
      ) : null}
    </ul>
  );
}
