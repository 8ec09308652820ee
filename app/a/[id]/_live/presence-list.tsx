import type { CSSProperties } from 'react';
import { initialsOf } from '../../../../lib/ui/format';
import { viewLabel, type Participant } from './use-presence';
import styles from './presence-list.module.css';

/** More than this many avatars collapse into "+N". */
const MAX_AVATARS = 5;

/** Following, as the header offers it: who is followed, and a toggle. */
export interface PresenceFollow {
  /** The awareness client id being followed, if any. */
  clientId: number | null;
  /** Follows this person, or stops if they are the one followed. */
  toggle(participant: Participant): void;
}

interface PresenceListProps {
  participants: Participant[];
  /** Without it, avatars only show who is here. */
  follow?: PresenceFollow;
}

/** The name, and who it is to you: "Ada (you)", "Build bot (agent)". Avatars are named by this. */
export function describe(person: Participant): string {
  const parts = [person.name];
  // Agent token names often say "agent" already; do not say it twice.
  if (person.kind === 'agent' && !/\(agent\)$/i.test(person.name)) parts.push('agent');
  if (person.isSelf) parts.push('you');
  else if (person.isSameUser) parts.push('you, in another tab');
  return parts.length > 1 ? `${parts[0]} (${parts.slice(1).join(', ')})` : parts[0];
}

/** Where they are and what they do: "v3", "Live, following you", "writing…". */
function statusOf(person: Participant, participants: Participant[]): string {
  const parts: string[] = [];
  if (person.isWriting) parts.push('writing…');
  else if (person.kind === 'user') {
    const where = viewLabel(person.view);
    if (where) parts.push(where === 'Live' ? 'on the live page' : `on ${where}`);
  }
  if (person.following !== null) {
    const leader = participants.find((p) => p.clientId === person.following);
    if (leader) parts.push(leader.isSelf ? 'following you' : `following ${leader.name}`);
  }
  return parts.join(', ');
}

function canFollow(person: Participant): boolean {
  return person.kind === 'user' && !person.isSelf && !person.isSameUser;
}

/**
 * Everyone here: initials in the server's colour, where they are ("Live",
 * "v3") and, on hover or focus, their name. Another reader's avatar is a
 * button that follows them; an agent pulses while it writes.
 */
export function PresenceList({ participants, follow }: PresenceListProps) {
  if (participants.length === 0) return null;
  const shown = participants.slice(0, MAX_AVATARS);
  const hidden = participants.slice(MAX_AVATARS);
  return (
    <ul className={styles.list} aria-label={`${participants.length} ${participants.length === 1 ? 'person' : 'people'} here`}>
      {shown.map((person) => (
        <li key={person.clientId} className={styles.item}>
          <Avatar person={person} participants={participants} follow={follow} />
        </li>
      ))}
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

function Avatar({ person, participants, follow }: { person: Participant; participants: Participant[]; follow?: PresenceFollow }) {
  const name = describe(person);
  const status = statusOf(person, participants);
  const where = person.kind === 'user' ? viewLabel(person.view) : null;
  const isFollowed = follow?.clientId === person.clientId;
  const face = (
    <>
      {initialsOf(person.name)}
      {person.kind === 'agent' ? (
        <span className={styles.badge} aria-hidden="true">
          agent
        </span>
      ) : where === 'Live' ? (
        // On the live page: a green dot, like the Live status; a version gets its number.
        <span className={styles.liveDot} aria-hidden="true" />
      ) : where ? (
        <span className={styles.view} aria-hidden="true">
          {where}
        </span>
      ) : null}
    </>
  );
  const common = {
    className: styles.avatar,
    'data-kind': person.kind,
    'data-self': person.isSelf || undefined,
    'data-writing': person.isWriting || undefined,
    'data-testid': 'presence-avatar',
    // The pulse of a writing agent is drawn in its own colour.
    style: { background: person.color, '--presence-color': person.color } as CSSProperties,
  };
  const tooltip = (
    <span className={styles.tooltip} aria-hidden="true">
      <span className={styles.tooltipName}>{name}</span>
      {status ? <span className={styles.tooltipStatus}>{status}</span> : null}
      {follow && canFollow(person) ? <span className={styles.tooltipHint}>{isFollowed ? 'Click to stop following' : 'Click to follow'}</span> : null}
    </span>
  );

  if (follow && canFollow(person)) {
    return (
      <>
        <button
          type="button"
          {...common}
          data-following={isFollowed || undefined}
          aria-pressed={isFollowed}
          aria-label={`Follow ${name}`}
          aria-description={status || undefined}
          onClick={() => follow.toggle(person)}
        >
          {face}
        </button>
        {tooltip}
      </>
    );
  }
  return (
    <>
      <span {...common} tabIndex={0} role="img" aria-label={person.isWriting ? `${name}, writing` : name} aria-description={status || undefined}>
        {face}
      </span>
      {tooltip}
    </>
  );
}
