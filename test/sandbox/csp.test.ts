import { describe, expect, it } from 'vitest';
import {
  SANDBOX_SECURITY_HEADERS,
  assertOrigin,
  buildAppFrameSrcDirective,
  buildSandboxCsp,
  buildSandboxHeaders,
} from '../../lib/sandbox/csp';

const APP = 'http://localhost:3000';

/** Parses a serialized policy into directive → source list. */
function parse(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (!name) continue;
    expect(out.has(name), `directive ${name} appears twice`).toBe(false);
    out.set(name, sources);
  }
  return out;
}

describe('buildSandboxCsp', () => {
  const csp = parse(buildSandboxCsp(APP));

  it('blocks the network outright', () => {
    for (const directive of [
      'default-src',
      'connect-src',
      'form-action',
      'base-uri',
      'frame-src',
      'child-src',
      'object-src',
      'worker-src',
      'manifest-src',
    ]) {
      expect(csp.get(directive), directive).toEqual(["'none'"]);
    }
  });

  it('allows inline code and data:/blob: media only', () => {
    expect(csp.get('script-src')).toEqual(["'unsafe-inline'", "'unsafe-eval'"]);
    expect(csp.get('style-src')).toEqual(["'unsafe-inline'"]);
    for (const directive of ['img-src', 'font-src', 'media-src']) {
      expect(csp.get(directive), directive).toEqual(['data:', 'blob:']);
    }
  });

  it('names no host, scheme wildcard or self anywhere except frame-ancestors', () => {
    for (const [directive, sources] of csp) {
      if (directive === 'frame-ancestors' || directive === 'sandbox') continue;
      for (const source of sources) {
        expect(["'none'", "'unsafe-inline'", "'unsafe-eval'", 'data:', 'blob:'], `${directive} ${source}`).toContain(source);
      }
    }
  });

  it('lets only the app embed the frame, and sandboxes even a direct visit', () => {
    expect(csp.get('frame-ancestors')).toEqual([APP]);
    expect(csp.get('sandbox')).toEqual(['allow-scripts']);
  });

  it.each([
    'http://localhost:3000/',
    'http://localhost:3000/app',
    "http://localhost:3000; script-src *",
    'http://localhost:3000\r\nSet-Cookie: x=1',
    'localhost:3000',
    'javascript:alert(1)',
    '*',
    '',
  ])('refuses %j as an origin', (origin) => {
    expect(() => buildSandboxCsp(origin)).toThrow(/origin/);
  });

  it('accepts https origins with ports', () => {
    expect(assertOrigin('https://review.example.com:8443')).toBe('https://review.example.com:8443');
  });
});

describe('buildAppFrameSrcDirective', () => {
  it('names exactly the sandbox origin', () => {
    expect(buildAppFrameSrcDirective('http://127.0.0.1:3001')).toBe('frame-src http://127.0.0.1:3001');
  });

  it('refuses anything but an origin', () => {
    expect(() => buildAppFrameSrcDirective('http://127.0.0.1:3001 *')).toThrow();
  });
});

describe('sandbox headers', () => {
  it('carry the other protections', () => {
    expect(SANDBOX_SECURITY_HEADERS['X-Content-Type-Options']).toBe('nosniff');
    expect(SANDBOX_SECURITY_HEADERS['Referrer-Policy']).toBe('no-referrer');
    expect(SANDBOX_SECURITY_HEADERS['Cross-Origin-Resource-Policy']).toBe('same-origin');
    expect(SANDBOX_SECURITY_HEADERS['Cache-Control']).toBe('no-store');
    const policy = SANDBOX_SECURITY_HEADERS['Permissions-Policy'];
    for (const feature of ['camera', 'microphone', 'geolocation', 'payment', 'usb', 'display-capture']) {
      expect(policy).toContain(`${feature}=()`);
    }
  });

  it('include the CSP for the given app origin', () => {
    const headers = buildSandboxHeaders(APP);
    expect(headers['Content-Security-Policy']).toBe(buildSandboxCsp(APP));
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
  });

  it('cannot be changed by a caller', () => {
    expect(Object.isFrozen(SANDBOX_SECURITY_HEADERS)).toBe(true);
    buildSandboxHeaders(APP)['Cache-Control'] = 'public';
    expect(SANDBOX_SECURITY_HEADERS['Cache-Control']).toBe('no-store');
  });
});
