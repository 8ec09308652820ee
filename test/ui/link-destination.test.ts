import { describe, expect, it } from 'vitest';
import { MAX_HREF_LENGTH } from '../../lib/sandbox/bridge';
import { linkDestination } from '../../lib/ui/link-destination';

describe('linkDestination', () => {
  it('splits an https link around its host, and opens what it shows', () => {
    expect(linkDestination('https://docs.example.com/guide?q=1#top')).toEqual({
      href: 'https://docs.example.com/guide?q=1#top',
      before: 'https://',
      host: 'docs.example.com',
      after: '/guide?q=1#top',
      isInsecure: false,
    });
    expect(linkDestination('http://127.0.0.1:8080')).toEqual({ href: 'http://127.0.0.1:8080/', before: 'http://', host: '127.0.0.1:8080', after: '/', isInsecure: true });
  });

  it('normalises what it shows the way the browser will open it', () => {
    expect(linkDestination('HTTPS://Example.COM/a/../b')?.href).toBe('https://example.com/b');
  });

  it('marks the real host, not a familiar name in the user info', () => {
    const destination = linkDestination('https://docs.example.com:secret@evil.example/login');
    expect(destination?.host).toBe('evil.example');
    expect(destination?.before).toBe('https://docs.example.com:secret@');
    expect(`${destination?.before}${destination?.host}${destination?.after}`).toBe(destination?.href);
  });

  it('shows an international name in the form that cannot pass for another', () => {
    // Cyrillic letters that look like "paypal".
    expect(linkDestination('https://раураl.com/')?.host).toMatch(/^xn--[a-z0-9-]+\.com$/);
  });

  it('refuses every scheme but http and https', () => {
    for (const href of ['javascript:alert(1)', 'data:text/html,hi', 'mailto:a@b.c', 'blob:null/x', 'file:///etc/passwd', 'ftp://example.com/', 'about:blank', '/relative', 'not a url', '']) {
      expect(linkDestination(href), href).toBeNull();
    }
  });

  it('refuses an href longer than the bridge carries', () => {
    expect(linkDestination(`https://example.com/${'a'.repeat(MAX_HREF_LENGTH)}`)).toBeNull();
  });
});
