// `npm run build`, first step: bundle the frame program (lib/frame) with esbuild, failing the build on any
// error (a type the bundler cannot strip, an import from outside lib/frame and lib/sandbox/limits.ts), and
// write the bundle to public/frame/bootstrap.js (generated, not in git) for inspection. The sandbox server
// does not read that file: it builds the same bundle in memory on first use, so it can never serve a stale one.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { register } from 'tsx/esm/api';

register();
const { buildFrameProgram } = await import('../lib/sandbox/frame-program.ts');
const started = Date.now();
const code = buildFrameProgram({ root: process.cwd() });
mkdirSync(join(process.cwd(), 'public', 'frame'), { recursive: true });
writeFileSync(join(process.cwd(), 'public', 'frame', 'bootstrap.js'), code);
console.log(`frame program: ${code.length} bytes in ${Date.now() - started} ms (public/frame/bootstrap.js)`);
