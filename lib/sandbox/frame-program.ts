import { buildSync } from 'esbuild';
import { relative, resolve, sep } from 'node:path';

/** The frame program's entry, relative to the project root. */
export const FRAME_ENTRY = 'lib/frame/main.ts';

/**
 * What the frame bundle may contain: lib/frame/** and the shared limits,
 * and parse5 (with its one dependency, entities), which gives the
 * incremental render its source positions (lib/frame/source/).
 * Anything else (zod, a Node module, app code) would be a mistake at best
 * and a hole at worst, so the build fails on it. (buildSync takes no
 * plugins, so this reads the build's own list of inputs.)
 */
function checkInputs(root: string, inputs: readonly string[]): void {
  const frameDir = resolve(root, 'lib/frame') + sep;
  const limits = resolve(root, 'lib/sandbox/limits.ts');
  const packages = ['parse5', 'entities'].map((name) => resolve(root, 'node_modules', name) + sep);
  for (const input of inputs) {
    const path = resolve(root, input);
    if (path.startsWith(frameDir) || path === limits || packages.some((dir) => path.startsWith(dir))) continue;
    throw new Error(
      `the frame program may import only lib/frame/**, lib/sandbox/limits.ts and parse5, not ${relative(root, path)}`,
    );
  }
}

export interface FrameProgramOptions {
  /** The project root (default: the current directory). */
  root?: string;
}

const cache = new Map<string, string>();

/**
 * Bundles the frame program (lib/frame/main.ts) into one classic script:
 * an IIFE for the browser, ES2022, identifiers kept so stack traces read.
 * Built on first use and kept in memory (it takes well under a second).
 */
export function buildFrameProgram(options: FrameProgramOptions = {}): string {
  const root = resolve(options.root ?? process.cwd());
  const cached = cache.get(root);
  if (cached !== undefined) return cached;
  const result = buildSync({
    absWorkingDir: root,
    entryPoints: [resolve(root, FRAME_ENTRY)],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
    metafile: true,
  });
  checkInputs(root, Object.keys(result.metafile.inputs));
  const code = result.outputFiles[0].text;
  cache.set(root, code);
  return code;
}

/** Forgets built bundles (for a test that changes the sources). */
export function clearFrameProgramCache(): void {
  cache.clear();
}
