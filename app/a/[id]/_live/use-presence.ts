'use client';

import { useEffect, useState } from 'react';
import type { Awareness } from 'y-protocols/awareness';
import { z } from 'zod';
import type { CollabSession } from './use-collab-session';

/** The identity the server stamps on every awareness state; a state without it is ignored. */
const presenceUserSchema = z.object({
  id: z.string().max(200),
  name: z.string().max(200),
  color: z.string().regex(/^#[0-9a-fA-F]{3,8}$/),
  kind: z.enum(['user', 'agent']),
});

/** No real page is taller than this (Chromium caps layout at ~33M px). */
const MAX_PIXELS = 1e9;
const pixels = z.number().nonnegative().max(MAX_PIXELS);

export const presenceViewSchema = z.union([z.literal('live'), z.object({ version: z.number().int().positive() })]);
export const presenceScrollSchema = z.object({ y: pixels, height: pixels, viewport: pixels });

/** Which page a reader is on: the live page, or one version of it (`/a/:id/v/:n`). */
export type PresenceView = z.infer<typeof presenceViewSchema>;
/** A reader's place in the page, CSS px: scroll offset, page height, viewport height. */
export type PresenceScroll = z.infer<typeof presenceScrollSchema>;

/**
 * What a client says about itself in the review room's awareness (the server adds `user`).
 * `following` is the awareness client id of the reader it follows.
 */
export interface PresenceState {
  view: PresenceView;
  scroll?: PresenceScroll;
  following?: number;
}

export interface Participant {
  /** Awareness client id: one per open connection. */
  clientId: number;
  userId: string;
  name: string;
  /** The server's colour for this person (from `/me` for our own entry). */
  color: string;
  kind: 'user' | 'agent';
  /** This tab. */
  isSelf: boolean;
  /** Another tab or device signed in as the same person. */
  isSameUser: boolean;
  /** The page they have open; null when unknown (an agent seen only in the content room). */
  view: PresenceView | null;
  /** Their place in that page, once their frame has reported one. */
  scroll: PresenceScroll | null;
  /** The reader they follow (an awareness client id). */
  following: number | null;
  /** An agent writing to the page right now (the server says so while an HTTP write is open). */
  isWriting: boolean;
}

export interface Viewer {
  id: string;
  name: string;
  /** The server-assigned presence colour, from `/me`: the one others see for us. */
  color: string;
}

/** The rooms presence is read from: everyone in the review room, and agents in the content room. */
export interface PresenceRooms {
  review: CollabSession | null;
  content: CollabSession | null;
}

function parseOptional<T>(schema: z.ZodType<T>, value: unknown): T | null {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** One awareness state as a participant, or null if the server did not stamp it. */
function toParticipant(clientId: number, state: Record<string, unknown>, viewer: Viewer | null): Participant | null {
  const user = parseOptional(presenceUserSchema, state.user);
  if (!user) return null;
  return {
    clientId,
    userId: user.id,
    name: user.name,
    color: user.color,
    kind: user.kind,
    isSelf: false,
    isSameUser: viewer !== null && user.kind === 'user' && user.id === viewer.id,
    // A client's own fields are only believed field by field: a bad one must not hide the person.
    view: parseOptional(presenceViewSchema, state.view),
    scroll: parseOptional(presenceScrollSchema, state.scroll),
    following: parseOptional(z.number().int().nonnegative(), state.following),
    isWriting: user.kind === 'agent' && state.streaming === true,
  };
}

function selfParticipant(awareness: Awareness | null, viewer: Viewer): Participant {
  const state: Record<string, unknown> = awareness?.getLocalState() ?? {};
  return {
    clientId: awareness?.clientID ?? 0,
    userId: viewer.id,
    name: viewer.name,
    color: viewer.color,
    kind: 'user',
    isSelf: true,
    isSameUser: true,
    view: parseOptional(presenceViewSchema, state.view),
    scroll: parseOptional(presenceScrollSchema, state.scroll),
    following: parseOptional(z.number().int().nonnegative(), state.following),
    isWriting: false,
  };
}

/**
 * Everyone here, this tab first. People come from the review room, one entry
 * per connection (a second tab of yours shows as such). Agents come from both
 * rooms, one entry per agent: one writing over HTTP is put in the review room
 * by the server, one on a socket sits in the content room.
 */
export function collectParticipants(rooms: { review: Awareness | null; content: Awareness | null }, viewer: Viewer | null): Participant[] {
  const others: Participant[] = [];
  const agents = new Map<string, Participant>();
  const addAgent = (agent: Participant) => {
    const seen = agents.get(agent.userId);
    if (!seen) agents.set(agent.userId, agent);
    else seen.isWriting ||= agent.isWriting;
  };
  const { review, content } = rooms;
  if (review) {
    for (const [clientId, state] of review.getStates()) {
      if (clientId === review.clientID) continue;
      const participant = toParticipant(clientId, state, viewer);
      if (!participant) continue;
      if (participant.kind === 'agent') addAgent(participant);
      else others.push(participant);
    }
  }
  if (content) {
    for (const [clientId, state] of content.getStates()) {
      if (clientId === content.clientID) continue;
      const participant = toParticipant(clientId, state, viewer);
      // People in the content room are also in the review room; only agents are counted here.
      if (participant?.kind === 'agent') addAgent(participant);
    }
  }
  others.push(...agents.values());
  others.sort((a, b) => Number(b.isSameUser) - Number(a.isSameUser) || a.name.localeCompare(b.name) || a.clientId - b.clientId);
  return viewer ? [selfParticipant(review, viewer), ...others] : others;
}

/**
 * Everyone here (see `collectParticipants`), live. Our own state never comes
 * back to us with the server's stamp (awareness ignores echoes), so our entry
 * is built from `/me`, colour included: `/me` returns the colour others see.
 * Readers report their scroll up to ten times a second each; changes are
 * read once per animation frame.
 */
export function usePresence(rooms: PresenceRooms, viewer: Viewer | null): Participant[] {
  const [participants, setParticipants] = useState<Participant[]>([]);
  const { review, content } = rooms;

  useEffect(() => {
    let frame = 0;
    const awarenesses = { review: review?.provider.awareness ?? null, content: content?.provider.awareness ?? null };
    const read = () => {
      frame = 0;
      setParticipants(collectParticipants(awarenesses, viewer));
    };
    const schedule = () => {
      if (frame === 0) frame = window.requestAnimationFrame(read);
    };
    read();
    const watched = [awarenesses.review, awarenesses.content].filter((a) => a !== null);
    for (const awareness of watched) awareness.on('change', schedule);
    return () => {
      for (const awareness of watched) awareness.off('change', schedule);
      if (frame !== 0) window.cancelAnimationFrame(frame);
    };
  }, [review, content, viewer]);

  return participants;
}

/** Two views are the same page. */
export function isSameView(a: PresenceView | null, b: PresenceView | null): boolean {
  if (a === null || b === null) return false;
  if (a === 'live' || b === 'live') return a === b;
  return a.version === b.version;
}

/** "Live" or "v3": how a view is labelled beside a person. */
export function viewLabel(view: PresenceView | null): string | null {
  if (view === null) return null;
  return view === 'live' ? 'Live' : `v${view.version}`;
}
