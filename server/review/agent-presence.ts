import { displayName, type Principal } from '../../lib/auth/principal';
import { colorFor } from '../../lib/protocol/presence';
import { docNameFor } from '../../lib/protocol/ids';
import type { RoomRegistry } from '../collab/registry';
import type { Room } from '../collab/room';

/** An agent counts as present this long after its last push (a stream holds it for as long as it is open). */
export const AGENT_ACTIVE_MS = 15_000;
/** After a stream ends the agent lingers briefly (it often pushes again at once). */
const AFTER_STREAM_MS = 2_000;
/** Awareness states time out after 30 s: held entries are renewed well within that. */
const RENEW_MS = 10_000;
const SWEEP_MS = 1_000;

interface Activity {
  artifactId: string;
  clientId: number;
  state: Record<string, unknown>;
  /** Present until then, unless a stream is open. */
  until: number;
  renewedAt: number;
  openStreams: number;
}

/**
 * Shows an agent as present in the artifact's review room while it writes
 * (HTTP pushes and streams, and page edits over its own socket): the server
 * speaks for it with an awareness entry of kind 'agent' and `streaming: true`,
 * renewed while writes keep coming and removed once they stop.
 */
export class AgentPresence {
  private readonly active = new Map<string, Activity>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly registry: RoomRegistry,
    private readonly now: () => number,
  ) {
    this.timer = setInterval(() => this.sweep(), SWEEP_MS);
    this.timer.unref();
  }

  /** The agent wrote to the page. */
  touch(artifactId: string, principal: Principal): void {
    if (principal.kind !== 'agent') return;
    const activity = this.activityFor(artifactId, principal);
    activity.until = Math.max(activity.until, this.now() + AGENT_ACTIVE_MS);
  }

  /** Holds the agent present until the returned function is called (a streaming write). */
  hold(artifactId: string, principal: Principal): () => void {
    if (principal.kind !== 'agent') return () => {};
    const activity = this.activityFor(artifactId, principal);
    activity.openStreams += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      activity.openStreams -= 1;
      activity.until = Math.max(activity.until, this.now() + AFTER_STREAM_MS);
    };
  }

  /** Puts the present agents of a freshly loaded review room into it. */
  apply(room: Room): void {
    for (const activity of this.active.values()) {
      if (activity.artifactId === room.name.artifactId) room.setServerPresence(activity.clientId, activity.state);
    }
  }

  close(): void {
    clearInterval(this.timer);
  }

  private activityFor(artifactId: string, principal: Principal & { kind: 'agent' }): Activity {
    const key = `${artifactId}:${principal.tokenId}`;
    let activity = this.active.get(key);
    if (!activity) {
      activity = {
        artifactId,
        clientId: clientIdFor(key),
        state: {
          // The same identity the agent's own sockets get (upgrade.ts), so clients see one agent, in one colour.
          user: { id: `agent:${principal.tokenId}`, name: displayName(principal), color: colorFor(principal.userId), kind: 'agent' },
          view: 'live',
          streaming: true,
        },
        until: this.now(),
        renewedAt: this.now(),
        openStreams: 0,
      };
      this.active.set(key, activity);
      this.roomOf(artifactId)?.setServerPresence(activity.clientId, activity.state);
    }
    return activity;
  }

  private roomOf(artifactId: string): Room | undefined {
    return this.registry.peek(docNameFor(artifactId, 'review'));
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, activity] of this.active) {
      const room = this.roomOf(activity.artifactId);
      if (activity.openStreams > 0 || now < activity.until) {
        if (now - activity.renewedAt >= RENEW_MS) {
          activity.renewedAt = now;
          room?.setServerPresence(activity.clientId, activity.state);
        }
      } else {
        room?.setServerPresence(activity.clientId, null);
        this.active.delete(key);
      }
    }
  }
}

/** A stable awareness client id per (artifact, token), far from the random ids clients pick. */
function clientIdFor(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 1) | 0x40000000;
}
