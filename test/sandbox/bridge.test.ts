import { describe, expect, it } from 'vitest';
import {
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_HREF_LENGTH,
  isSafeLinkHref,
  parseAppMessage,
  parseFrameMessage,
  readFrameMessage,
  renderMessage,
  scrollToMessage,
  themeMessage,
} from '../../lib/sandbox/bridge';

const metrics = { scrollY: 120.5, scrollHeight: 4000, viewportHeight: 600 };

describe('parseFrameMessage accepts what the bootstrap sends', () => {
  it.each([
    { loupe: 1, type: 'ready' },
    { loupe: 1, type: 'rendered', rev: 7, ...metrics },
    { loupe: 1, type: 'scroll', ...metrics },
    { loupe: 1, type: 'open-link', href: 'https://example.com/a?b=c#d' },
    { loupe: 1, type: 'open-link', href: 'mailto:team@example.com' },
    { loupe: 1, type: 'error', message: 'TypeError: x is undefined (line 3:7)' },
  ])('%o', (message) => {
    expect(parseFrameMessage(message)).toEqual(message);
  });

  it('drops keys it does not know', () => {
    expect(parseFrameMessage({ loupe: 1, type: 'ready', extra: { huge: 'x'.repeat(10_000) } })).toEqual({
      loupe: 1,
      type: 'ready',
    });
  });

  it('accepts the limits exactly', () => {
    const href = `https://example.com/${'a'.repeat(MAX_HREF_LENGTH - 20)}`;
    expect(href).toHaveLength(MAX_HREF_LENGTH);
    expect(parseFrameMessage({ loupe: 1, type: 'open-link', href })).not.toBeNull();
    const message = 'm'.repeat(MAX_ERROR_MESSAGE_LENGTH);
    expect(parseFrameMessage({ loupe: 1, type: 'error', message })).not.toBeNull();
    expect(parseFrameMessage({ loupe: 1, type: 'scroll', scrollY: 0, scrollHeight: 0, viewportHeight: 0 })).not.toBeNull();
  });
});

describe('parseFrameMessage rejects what a hostile frame might send', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'ready'],
    ['an array', [1, 'ready']],
    ['no version', { type: 'ready' }],
    ['another version', { loupe: 2, type: 'ready' }],
    ['version as string', { loupe: '1', type: 'ready' }],
    ['unknown type', { loupe: 1, type: 'navigate', href: 'https://example.com' }],
    ['type with other case', { loupe: 1, type: 'Ready' }],
    ['negative scroll', { loupe: 1, type: 'scroll', ...metrics, scrollY: -1 }],
    ['NaN', { loupe: 1, type: 'scroll', ...metrics, scrollHeight: Number.NaN }],
    ['Infinity', { loupe: 1, type: 'scroll', ...metrics, viewportHeight: Number.POSITIVE_INFINITY }],
    ['absurd size', { loupe: 1, type: 'scroll', ...metrics, scrollHeight: 1e12 }],
    ['number as string', { loupe: 1, type: 'scroll', ...metrics, scrollY: '10' }],
    ['missing metric', { loupe: 1, type: 'scroll', scrollY: 1, scrollHeight: 2 }],
    ['fractional rev', { loupe: 1, type: 'rendered', ...metrics, rev: 1.5 }],
    ['negative rev', { loupe: 1, type: 'rendered', ...metrics, rev: -1 }],
    ['unsafe rev', { loupe: 1, type: 'rendered', ...metrics, rev: 2 ** 60 }],
    ['javascript: href', { loupe: 1, type: 'open-link', href: 'javascript:alert(1)' }],
    ['JavaScript: with spaces', { loupe: 1, type: 'open-link', href: '  JavaScript:alert(1)' }],
    ['data: href', { loupe: 1, type: 'open-link', href: 'data:text/html,<script>alert(1)</script>' }],
    ['blob: href', { loupe: 1, type: 'open-link', href: 'blob:https://example.com/uuid' }],
    ['file: href', { loupe: 1, type: 'open-link', href: 'file:///etc/passwd' }],
    ['relative href', { loupe: 1, type: 'open-link', href: '/settings' }],
    ['protocol-relative href', { loupe: 1, type: 'open-link', href: '//evil.example/' }],
    ['href not a string', { loupe: 1, type: 'open-link', href: { toString: 'https://x' } }],
    ['href too long', { loupe: 1, type: 'open-link', href: `https://example.com/${'a'.repeat(MAX_HREF_LENGTH)}` }],
    ['message too long', { loupe: 1, type: 'error', message: 'm'.repeat(MAX_ERROR_MESSAGE_LENGTH + 1) }],
    ['message not a string', { loupe: 1, type: 'error', message: 42 }],
  ])('%s', (_name, data) => {
    expect(parseFrameMessage(data)).toBeNull();
  });

  it('returns null, never throws, for input that throws when read', () => {
    const data = Object.defineProperty({ loupe: 1 }, 'type', {
      enumerable: true,
      get() {
        throw new Error('hostile getter');
      },
    });
    expect(parseFrameMessage(data)).toBeNull();
    const proxy = new Proxy({}, { get: () => { throw new Error('hostile proxy'); } });
    expect(parseFrameMessage(proxy)).toBeNull();
  });
});

describe('isSafeLinkHref', () => {
  it('allows absolute http, https and mailto only', () => {
    expect(isSafeLinkHref('http://example.com')).toBe(true);
    expect(isSafeLinkHref('https://example.com/x')).toBe(true);
    expect(isSafeLinkHref('mailto:a@b.c')).toBe(true);
    expect(isSafeLinkHref('ftp://example.com')).toBe(false);
    expect(isSafeLinkHref('vbscript:msgbox')).toBe(false);
    expect(isSafeLinkHref('not a url')).toBe(false);
  });
});

describe('readFrameMessage', () => {
  const frameWindow = {} as MessageEventSource;
  const valid = { loupe: 1, type: 'ready' };

  it('accepts a valid message from the frame', () => {
    expect(readFrameMessage({ source: frameWindow, data: valid }, frameWindow)).toEqual(valid);
  });

  it('ignores messages from any other source, or when the frame is gone', () => {
    expect(readFrameMessage({ source: {} as MessageEventSource, data: valid }, frameWindow)).toBeNull();
    expect(readFrameMessage({ source: null, data: valid }, frameWindow)).toBeNull();
    expect(readFrameMessage({ source: null, data: valid }, null)).toBeNull();
  });
});

describe('app → frame messages', () => {
  it('builders produce messages the frame accepts', () => {
    expect(parseAppMessage(renderMessage(3, '<p>hi</p>'))).toEqual({ loupe: 1, type: 'render', rev: 3, format: 'html', html: '<p>hi</p>' });
    expect(parseAppMessage(scrollToMessage(250))).toEqual({ loupe: 1, type: 'scrollTo', y: 250 });
    expect(parseAppMessage(themeMessage('dark'))).toEqual({ loupe: 1, type: 'theme', scheme: 'dark' });
  });

  it.each<[string, unknown]>([
    ['rev not an integer', { loupe: 1, type: 'render', rev: 1.5, html: '' }],
    ['html not a string', { loupe: 1, type: 'render', rev: 1, html: null }],
    ['negative y', { loupe: 1, type: 'scrollTo', y: -3 }],
    ['unknown scheme', { loupe: 1, type: 'theme', scheme: 'sepia' }],
  ])('rejects %s', (_name, data) => {
    expect(parseAppMessage(data)).toBeNull();
  });
});
