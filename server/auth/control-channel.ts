import { z } from 'zod';
import type { PubSub } from '../pubsub/types';
import type { Logger } from '../log';

/**
 * The `control` channel: what one process decides about access that every
 * other process must act on at once.
 *
 * - `cut_off`: close the matching sockets now (a revoked token, a removed
 *   member, a password change, sign-out everywhere).
 * - `access_changed`: the sockets it concerns re-check their access now (a
 *   role, an artifact's visibility or member list, a publication, a purge).
 * - `org_settings`: an organization's settings changed; open review rooms of
 *   that org re-project their summary (approvals required).
 *
 * Messages are plain JSON in the payload, validated here; the bus verifies
 * who sent them (Redis: signed with the shared secret, a forged or unsigned
 * message never reaches a handler), so acting on one is acting on a
 * decision another Loupe process made. A message lost while Redis was away
 * is covered by the sockets' periodic re-check (upgrade.ts) and the bus's
 * resync.
 */
export const CONTROL_CHANNEL = 'control';

const CutOffSchema = z
  .object({
    orgId: z.string().max(200).optional(),
    userId: z.string().max(200).optional(),
    tokenId: z.string().max(200).optional(),
    kind: z.enum(['user', 'agent']).optional(),
    exceptSessionId: z.string().max(200).optional(),
  })
  .strict()
  // An empty match would close every socket: never a real decision, so never acted on.
  .refine((match) => match.orgId !== undefined || match.userId !== undefined || match.tokenId !== undefined, 'a cut-off names whom');

const AccessScopeSchema = z
  .object({
    orgId: z.string().max(200).optional(),
    userId: z.string().max(200).optional(),
    artifactId: z.string().max(200).optional(),
  })
  .strict()
  .refine((scope) => scope.orgId !== undefined || scope.userId !== undefined || scope.artifactId !== undefined, 'an access change names what');

export const ControlMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('cut_off'), match: CutOffSchema, why: z.enum(['revoked', 'changed']) }),
  z.object({ type: z.literal('access_changed'), scope: AccessScopeSchema }),
  z.object({ type: z.literal('org_settings'), orgId: z.string().min(1).max(200) }),
]);

export type ControlMessage = z.infer<typeof ControlMessageSchema>;
export type AccessScope = z.infer<typeof AccessScopeSchema>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Tells the other processes (nothing to do on a bus that reaches no other process). */
export function publishControl(pubsub: PubSub, nodeId: string, message: ControlMessage): void {
  if (!pubsub.fansOut) return;
  pubsub.publish(CONTROL_CHANNEL, { nodeId, kind: 'control', payload: encoder.encode(JSON.stringify(message)) });
}

/** Hands every other process's valid control message to `handle`; returns the unsubscribe function. */
export function subscribeControl(pubsub: PubSub, nodeId: string, logger: Logger, handle: (message: ControlMessage) => void): () => void {
  if (!pubsub.fansOut) return () => {};
  return pubsub.subscribe(CONTROL_CHANNEL, (raw) => {
    // This process acted when it decided; its own echo is not news.
    if (raw.nodeId === nodeId) return;
    let parsed: ControlMessage;
    try {
      parsed = ControlMessageSchema.parse(JSON.parse(decoder.decode(raw.payload)));
    } catch (error) {
      logger.warn('ignored a control message that does not parse', { error });
      return;
    }
    handle(parsed);
  });
}
