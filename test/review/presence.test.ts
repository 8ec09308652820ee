import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import { collectParticipants, isSameView } from '../../app/a/[id]/_live/use-presence';
import { scaledScrollY } from '../../app/a/[id]/_review/use-follow';

const viewer = { id: 'u-ada', name: 'Ada', color: '#0090ff' };
const person = (id: string, name: string) => ({ id, name, color: '#46a758', kind: 'user' as const });
const agent = { id: 'agent:t1', name: 'Build bot (agent)', color: '#e5484d', kind: 'agent' as const };

/** An awareness with remote states as the server would relay them (each stamped with `user`). */
function room(states: Record<number, Record<string, unknown>>, local: Record<string, unknown> | null = null): Awareness {
  const awareness = new Awareness(new Y.Doc());
  awareness.setLocalState(local);
  for (const [clientId, state] of Object.entries(states)) awareness.states.set(Number(clientId), state);
  return awareness;
}

describe('who is here', () => {
  it('lists you first, then everyone in the review room by name, one per connection', () => {
    const review = room(
      {
        11: { user: person('u-grace', 'Grace'), view: { version: 3 }, scroll: { y: 400, height: 2000, viewport: 800 } },
        12: { user: person('u-alan', 'Alan'), view: 'live', following: 11 },
        13: { user: person('u-ada', 'Ada'), view: 'live' },
      },
      { view: 'live', scroll: { y: 0, height: 2000, viewport: 800 } },
    );
    const people = collectParticipants({ review, content: null }, viewer);
    expect(people.map((p) => [p.name, p.isSelf, p.isSameUser])).toEqual([
      ['Ada', true, true],
      ['Ada', false, true],
      ['Alan', false, false],
      ['Grace', false, false],
    ]);
    expect(people[0]).toMatchObject({ view: 'live', scroll: { y: 0, height: 2000, viewport: 800 } });
    expect(people[3]).toMatchObject({ view: { version: 3 }, scroll: { y: 400, height: 2000, viewport: 800 } });
    expect(people[2].following).toBe(11);
  });

  it('shows an agent once whichever rooms it is in, writing if the server says so in either', () => {
    const review = room({ 21: { user: agent, view: 'live', streaming: true } });
    const content = room({
      31: { user: agent, view: 'live' },
      // People are counted in the review room only.
      32: { user: person('u-grace', 'Grace'), view: 'live' },
    });
    const present = collectParticipants({ review, content }, null);
    expect(present).toHaveLength(1);
    expect(present[0]).toMatchObject({ kind: 'agent', name: 'Build bot (agent)', isWriting: true });
  });

  it('shows an agent seen only on its socket, not writing', () => {
    const content = room({ 31: { user: agent, view: 'live' } });
    expect(collectParticipants({ review: room({}), content }, null)).toMatchObject([{ kind: 'agent', isWriting: false }]);
  });

  it('ignores states the server did not stamp, and believes a client’s own fields one by one', () => {
    const review = room({
      41: { view: 'live' },
      42: { user: { id: 'x', name: 'No colour', kind: 'user' }, view: 'live' },
      43: { user: person('u-grace', 'Grace'), view: { version: -1 }, scroll: { y: 'far' }, streaming: true },
    });
    const people = collectParticipants({ review, content: null }, null);
    expect(people).toHaveLength(1);
    // A person never claims to be writing: that is the server's word about agents.
    expect(people[0]).toMatchObject({ name: 'Grace', view: null, scroll: null, isWriting: false });
  });
});

describe('views and following', () => {
  it('compares views', () => {
    expect(isSameView('live', 'live')).toBe(true);
    expect(isSameView({ version: 2 }, { version: 2 })).toBe(true);
    expect(isSameView({ version: 2 }, { version: 3 })).toBe(false);
    expect(isSameView('live', { version: 2 })).toBe(false);
    expect(isSameView(null, 'live')).toBe(false);
  });

  it('scales the leader’s offset from her page height to ours', () => {
    expect(scaledScrollY({ y: 500, height: 2000, viewport: 800 }, { scrollY: 0, scrollHeight: 4000, viewportHeight: 600 })).toBe(1000);
    // Before our frame has reported, her offset as is.
    expect(scaledScrollY({ y: 500, height: 2000, viewport: 800 }, null)).toBe(500);
    expect(scaledScrollY({ y: 0, height: 0, viewport: 0 }, { scrollY: 0, scrollHeight: 4000, viewportHeight: 600 })).toBe(0);
  });
});
