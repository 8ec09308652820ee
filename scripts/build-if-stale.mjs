// Builds the Next.js app when there is no build or any source is newer than it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SOURCES = ['app', 'lib', 'public', 'next.config.mjs', 'package.json', 'tsconfig.json'];
// Not part of the Next app: the frame program is bundled by esbuild when the sandbox server starts
// (lib/sandbox/frame-program.ts), and public/frame/ is that bundle's generated copy.
const NOT_NEXT = new Set([join('lib', 'frame'), join('public', 'frame')]);

function newestMtime(path, root) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    const child = join(path, entry);
    if (NOT_NEXT.has(relative(root, child))) continue;
    newest = Math.max(newest, newestMtime(child, root));
  }
  return newest;
}

export function buildIfStale(root = process.cwd()) {
  const marker = join(root, '.next', 'BUILD_ID');
  const builtAt = existsSync(marker) ? statSync(marker).mtimeMs : 0;
  const sourcesAt = Math.max(...SOURCES.map((s) => newestMtime(join(root, s), root)));
  if (builtAt > sourcesAt) return;
  console.log(builtAt ? 'Sources changed since the last build; building…' : 'No build yet; building (about a minute)…');
  const result = spawnSync(process.execPath, [join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (result.status !== 0) {
    console.error('next build failed');
    process.exit(result.status ?? 1);
  }
}
