import { z } from 'zod';
import { displayName, type Principal } from '../../lib/auth/principal';
import { colorFor } from '../../lib/protocol/presence';
import { docNameFor } from '../../lib/protocol/ids';
import type { RoomRegistry } from '../collab/registry';
import type { Room } from '../collab/room';
import type { PubSub } from '../pubsub/types';
import type { Logger } from '../log';

/** An agent counts as present this long after its last push (a stream holds it for as long as it is open). */
export const AGENT_ACTIVE_MS = 15_000;
/** After a stream ends the agent lingers briefly (it often pushes again at once). */
const AFTER_STREAM_MS = 2_000;
/** Awareness states time out after 30 s: held entries are renewed well within that. */
const RENEW_MS = 10_000;
const SWEEP_MS = 1_000;
/**
 * How long another process shows an agent after this one last said it is
 * present: longer than RENEW_MS (this one re-announces that often while the
 * agent writes), so a live agent never flickers, and short enough that the
 * agent of an instance that died (SIGKILL: no "gone" message) leaves soon.
 */
export const REMOTE_PRESENCE_TTL_MS = RENEW_MS + 5_000;

/** Bus channel of agent presence between processes (an agent writing through one instance, reviewers on another). */
export const AGENT_PRESENCE_CHANNEL = 'agent-presence';

const PresenceMessageSchema = z.object({
  artifactId: z.string().min(1).max(200),
  key: z.string().min(1).max(400),
  state: z.object({
    user: z.object({ id: z.string().max(200), name: z.string().max(400), color: z.string().max(40), kind: z.literal('agent') }),
    view: z.literal('live'),
    streaming: z.literal(true),
  }),
  /** Present for this long from receipt (0: gone now). A duration, not a time: instances' clocks may disagree. */
  ttlMs: z.number().int().min(0).max(60_000),
});
type PresenceMessage = z.infer<typeof PresenceMessageSchema>;

interface RemoteActivity {
  artifactId: string;
  clientId: number;
  state: Record<string, unknown>;
  until: number;
}

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
 *
 * With several processes the agent writes through one and reviewers may sit
 * on another, whose review room this process may not even have loaded: the
 * process the agent writes through announces it on AGENT_PRESENCE_CHANNEL
 * (when it starts, every RENEW_MS while it lasts, and when it ends), and
 * every other process shows it in its own loaded review room until the
 * announcement lapses (REMOTE_PRESENCE_TTL_MS).
 */
export class AgentPresence {
  private readonly active = new Map<string, Activity>();
  /** Agents writing through other processes, by the same key. */
  private readonly remote = new Map<string, RemoteActivity>();
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly registry: RoomRegistry,
    private readonly now: () => number,
    private readonly bus?: { pubsub: PubSub; nodeId: string; logger: Logger },
  ) {
    this.timer = setInterval(() => this.sweep(), SWEEP_MS);
    this.timer.unref();
    this.unsubscribe = bus?.pubsub.fansOut ? bus.pubsub.subscribe(AGENT_PRESENCE_CHANNEL, (message) => {
      if (message.nodeId !== bus.nodeId) this.receive(message.payload);
    }) : () => {};
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
    for (const activity of [...this.active.values(), ...this.remote.values()]) {
      if (activity.artifactId === room.name.artifactId) room.setServerPresence(activity.clientId, activity.state);
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.unsubscribe();
  }

  private announce(key: string, activity: Activity, ttlMs: number): void {
    if (!this.bus?.pubsub.fansOut) return;
    const message: PresenceMessage = { artifactId: activity.artifactId, key, state: activity.state as PresenceMessage['state'], ttlMs };
    this.bus.pubsub.publish(AGENT_PRESENCE_CHANNEL, { nodeId: this.bus.nodeId, kind: 'agent-presence', payload: new TextEncoder().encode(JSON.stringify(message)) });
  }

  private receive(payload: Uint8Array): void {
    let message: PresenceMessage;
    try {
      message = PresenceMessageSchema.parse(JSON.parse(new TextDecoder().decode(payload)));
    } catch (error) {
      this.bus?.logger.warn('ignored an agent presence message that does not parse', { error });
      return;
    }
    const room = this.roomOf(message.artifactId);
    const known = this.remote.get(message.key);
    if (message.ttlMs === 0) {
      if (!known) return;
      this.remote.delete(message.key);
      // The agent may still write through this process: then it stays.
      if (!this.active.has(message.key)) room?.setServerPresence(known.clientId, null);
      return;
    }
    const activity: RemoteActivity = { artifactId: message.artifactId, clientId: clientIdFor(message.key), state: message.state, until: this.now() + message.ttlMs };
    this.remote.set(message.key, activity);
    if (!this.active.has(message.key)) room?.setServerPresence(activity.clientId, activity.state);
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
      this.announce(key, activity, REMOTE_PRESENCE_TTL_MS);
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
          this.announce(key, activity, REMOTE_PRESENCE_TTL_MS);
        }
      } else {
        this.active.delete(key);
        this.announce(key, activity, 0);
        // Still announced by another process (the agent writes there too): it stays.
        if (!this.remote.has(key)) room?.setServerPresence(activity.clientId, null);
      }
    }
    for (const [key, activity] of this.remote) {
      if (now < activity.until) continue;
      this.remote.delete(key);
      if (!this.active.has(key)) this.roomOf(activity.artifactId)?.setServerPresence(activity.clientId, null);
    }
  }
}

/** A stable awareness client id per (artifact, token), far from the random ids clients pick. */
function clientIdFor(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 1) | 0x40000000;
}
