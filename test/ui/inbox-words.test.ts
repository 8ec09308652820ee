import { describe, expect, it } from 'vitest';
import { groupByDay, notificationAction, notificationExcerpt, notificationHref } from '../../app/(shell)/inbox/inbox-words';
import { formatUnreadCount } from '../../lib/query/inbox';

const bob = { kind: 'user' as const, id: 'u-bob', name: 'Bob' };

describe('inbox items', () => {
  it('say what happened in words', () => {
    expect(notificationAction({ kind: 'mention', verdict: null, version: null })).toBe('mentioned you in');
    expect(notificationAction({ kind: 'status', verdict: 'approve', version: 3 })).toBe('approved v3 of');
    expect(notificationAction({ kind: 'status', verdict: 'request_changes', version: 3 })).toBe('requested changes on v3 of');
    expect(notificationAction({ kind: 'addressed', verdict: null, version: 5 })).toBe('addressed a thread in v5 of');
  });

  it('drop an excerpt that only repeats the line', () => {
    expect(notificationExcerpt({ kind: 'status', verdict: 'approve', version: 3, actor: bob, excerpt: 'Bob approved v3' })).toBe('');
    expect(notificationExcerpt({ kind: 'status', verdict: 'approve', version: 3, actor: bob, excerpt: 'Ship it.' })).toBe('Ship it.');
    expect(notificationExcerpt({ kind: 'addressed', verdict: null, version: 5, actor: bob, excerpt: 'Addressed in v5' })).toBe('');
  });

  it('lead to the thread they are about, or the artifact', () => {
    expect(notificationHref({ artifactId: 'a1', threadId: 't1' })).toBe('/a/a1?thread=t1');
    expect(notificationHref({ artifactId: 'a1', threadId: null })).toBe('/a/a1');
  });

  it('group by local day: today, yesterday, then dates', () => {
    const now = new Date(2026, 2, 4, 15, 0).getTime();
    const iso = (day: number, hour: number) => new Date(2026, 2, day, hour, 0).toISOString();
    const groups = groupByDay([{ createdAt: iso(4, 9) }, { createdAt: iso(4, 1) }, { createdAt: iso(3, 23) }, { createdAt: iso(1, 12) }], now);
    expect(groups.map((g) => [g.label, g.items.length])).toEqual([
      ['Today', 2],
      ['Yesterday', 1],
      ['Sunday, March 1', 1],
    ]);
  });

  it('cap the badge at 99+', () => {
    expect(formatUnreadCount(3)).toBe('3');
    expect(formatUnreadCount(99)).toBe('99');
    expect(formatUnreadCount(100)).toBe('99+');
  });
});
