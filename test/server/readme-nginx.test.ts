import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';

/** The README shows the load balancer configuration the browser suite runs (e2e/cluster/): they must not drift. */
describe('README', () => {
  it('carries deploy/nginx/loupe.conf verbatim under "Run it on several machines"', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const conf = readFileSync(new URL('../../deploy/nginx/loupe.conf', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Run it on several machines'));
    expect(section).toContain('```nginx\n' + conf + '```');
  });
});
