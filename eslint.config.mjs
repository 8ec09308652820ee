// ESLint for Loupe: correctness rules only (no stylistic rules; the code's formatting is its authors').
// `npm run lint` runs it; `npm test` runs it after the type check.
//
// Three parts:
//  1. JavaScript and TypeScript correctness (eslint:recommended, typescript-eslint's recommended set)
//     plus the type-aware rules that find real bugs here: promises nobody awaits or handles, and
//     promises passed where a callback's return value is ignored or a condition is expected.
//  2. React's rules of hooks (eslint-plugin-react-hooks).
//  3. The import rules of docs/ARCHITECTURE.md ("Import rules"), as eslint-plugin-boundaries policies.
//     The doc and the LAYERS/POLICIES below say the same thing; change both together.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import boundaries from 'eslint-plugin-boundaries';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const TS = ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.cts'];

/**
 * Every file of ours belongs to one layer: the first pattern it matches (paths from the repository root).
 * Order matters: specific before general.
 */
const LAYERS = [
  // Stylesheets (CSS modules and the global sheet) that the app's components import.
  { category: 'styles', pattern: '**/*.css' },
  // The frame program (runs inside the sandboxed frame; bundled by esbuild).
  { category: 'frame', pattern: 'lib/frame/**' },
  // The limits and message shapes shared by the frame and the app: constants and types only.
  { category: 'sandbox-limits', pattern: 'lib/sandbox/limits.ts' },
  { category: 'protocol', pattern: 'lib/protocol/**' },
  { category: 'store', pattern: 'lib/store/**' },
  { category: 'audit-chain', pattern: 'lib/audit/**' },
  // The app's browser-side helpers: TanStack Query factories and the UI helpers.
  { category: 'app-lib', pattern: ['lib/query/**', 'lib/ui/**'] },
  { category: 'lib', pattern: 'lib/**' },

  { category: 'app-live', pattern: 'app/a/\\[id\\]/_live/**' },
  { category: 'app-review', pattern: 'app/a/\\[id\\]/_review/**' },
  { category: 'app', pattern: 'app/**' },

  { category: 'cli', pattern: 'cli/**' },
  { category: 'bin', pattern: 'bin/**' },

  { category: 'server-admin', pattern: 'server/admin/**' },
  { category: 'server-http', pattern: 'server/api/**' },
  { category: 'server-use-case', pattern: ['server/artifacts/**', 'server/governance/**', 'server/review/**', 'server/versions/**'] },
  { category: 'server-root', pattern: ['server/main.ts', 'server/loupe-server.ts'] },
  { category: 'server', pattern: 'server/**' },

  { category: 'scripts', pattern: 'scripts/**' },
  { category: 'tests', pattern: ['test/**', 'e2e/**', 'bench/**'] },
  { category: 'config', pattern: '*.{ts,mts,mjs,js}' },
];

const layer = (...categories) => ({ file: { categories: categories.length === 1 ? categories[0] : categories } });
/** Every lib/ layer but the store (and the frame, which only the build bundles). */
const LIB_FOR_ALL = ['protocol', 'sandbox-limits', 'audit-chain', 'lib'];
const OUTSIDE = { module: { origin: ['external', 'core'] } };
const NODE_CORE = { module: { origin: 'core' } };

/** Allowed imports, by the importing file's layer; anything not allowed here is an error. */
const POLICIES = [
  // Packages and Node's modules: everywhere, except where a policy further down says otherwise.
  { allow: { to: OUTSIDE } },

  // lib/protocol: pure and isomorphic; imports nothing of ours and nothing of Node's.
  { from: layer('protocol'), allow: { to: layer('protocol') } },
  { from: layer('protocol'), disallow: { to: NODE_CORE }, message: 'lib/protocol is isomorphic: no Node modules' },
  // lib/sandbox/limits.ts: constants and message types only; the frame and the app both import it.
  { from: layer('sandbox-limits'), disallow: { to: OUTSIDE }, message: 'lib/sandbox/limits.ts imports nothing (no zod, no Node modules)' },
  // The frame program imports only itself and the shared limits; it runs in a browser (no Node modules).
  { from: layer('frame'), allow: { to: layer('frame', 'sandbox-limits') } },
  { from: layer('frame'), disallow: { to: NODE_CORE }, message: 'the frame program runs in the sandboxed frame: no Node modules' },
  // The audit chain is shared by the server and offline verifiers; the store builds on it, not the reverse.
  { from: layer('audit-chain'), allow: { to: layer('audit-chain', 'protocol', 'lib') } },
  // The store: the backends import the shared lib (errors, review types, the audit chain).
  { from: layer('store'), allow: { to: layer('store', ...LIB_FOR_ALL) } },
  // The rest of lib/ imports lib/ (never app/, server/ or cli/); the store only for its record types.
  { from: layer('lib'), allow: { to: layer(...LIB_FOR_ALL) } },
  { from: layer('lib'), allow: { to: layer('store'), dependency: { kind: 'type' } } },
  // The app's browser helpers: the shared lib, each other.
  { from: layer('app-lib'), allow: { to: layer(...LIB_FOR_ALL, 'app-lib') } },
  { from: layer('app-lib'), allow: { to: layer('store'), dependency: { kind: 'type' } } },

  // The app: lib/ (the store only for its types), never server/ or cli/.
  // In the artifact page, the review layer (_review) builds on the live session (_live), not the reverse;
  // the page's views (live-view.tsx, v/, compare/) compose both.
  { from: layer('app', 'app-live', 'app-review'), allow: { to: layer(...LIB_FOR_ALL, 'app-lib', 'app', 'app-live') } },
  { from: layer('app', 'app-live', 'app-review'), allow: { to: layer('store'), dependency: { kind: 'type' } } },
  { from: layer('app', 'app-review'), allow: { to: layer('app-review') } },
  { from: layer('app', 'app-live', 'app-review'), allow: { to: layer('styles') } },

  // The agent-facing CLI is a client of the HTTP API: lib/ only (not the store, not the server's code).
  { from: layer('cli'), allow: { to: layer('cli', ...LIB_FOR_ALL) } },
  // The `loupe` binary dispatches: agent commands to cli/, server-side commands to server/admin/.
  { from: layer('bin'), allow: { to: layer('cli', 'server-admin') } },

  // The server: lib/ (with the store), never app/ or cli/.
  {
    from: layer('server', 'server-root', 'server-http', 'server-use-case', 'server-admin'),
    allow: { to: layer(...LIB_FOR_ALL, 'store', 'server', 'server-use-case') },
  },
  // The HTTP layer (router, helpers, guard, routes) is a shell over the use cases: only the composition root
  // (and the layer itself) imports it. Use cases return values and throw AppError; they know no routes.
  { from: layer('server-root', 'server-http'), allow: { to: layer('server-http') } },
  { from: layer('server-root'), allow: { to: layer('server-root') } },
  // Server-side commands of the `loupe` binary: everything of the server's but its HTTP layer and listeners.
  { from: layer('server-admin'), allow: { to: layer('server-admin') } },

  // Scripts build the app and start the server; tests, e2e and benchmarks may reach anything they test.
  { from: layer('scripts'), allow: { to: layer('scripts', 'server-root', ...LIB_FOR_ALL) } },
  { from: layer('tests'), allow: { to: { file: { categories: '*' } } } },
  { from: layer('config'), allow: { to: { file: { categories: '*' } } } },
];

export default defineConfig(
  globalIgnores([
    'node_modules/**',
    '.next/**',
    'data/**',
    'test-results/**',
    'playwright-report/**',
    'bench/results/**',
    // The benchmark's Hocuspocus peer: a package of its own, its dependencies installed only when the
    // benchmark runs it (tsconfig leaves it out too).
    'bench/peers/**',
    // Being replaced by the TypeScript frame program in lib/frame/ (issue 13); the generated bundle is not linted.
    'public/frame/**',
    'next-env.d.ts',
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node, ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `const { omitted: _omitted, ...rest } = record` is how the code drops a field.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // Wrong for this code base: its validators match control characters on purpose, to refuse them
      // (comment bodies, labels, redirect targets, review notes). Every such regex is the point of its code.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['test/**', 'e2e/**', 'bench/**'],
    rules: {
      // Tests read JSON answers field by field and assert them; typing each answer would restate the schemas.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['e2e/**'],
    rules: {
      // Wrong for Playwright: a fixture that needs no other fixture must still destructure its first
      // parameter (`async ({}, use) => …`); Playwright reads that pattern to resolve fixtures.
      'no-empty-pattern': 'off',
    },
  },
  {
    // Type-aware rules: only the ones that pay for the type information, promise misuse. A promise nobody
    // awaits or handles (in a test: an assertion that never runs), `await` of what is not a promise.
    files: TS,
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // An async function where a callback's result is ignored (an event handler, an emitter's listener: its
    // rejection goes unhandled) or a promise where a condition is expected. It asks for the type of every
    // call's arguments, half of the lint's time, so it runs on the product's code, not on the tests.
    files: ['app/**/*.{ts,tsx}', 'lib/**/*.ts', 'server/**/*.ts', 'cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['app/**/*.{ts,tsx}', 'lib/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      // The React Compiler's rules (v7's recommended set), as errors; two of them are off, below.
      ...Object.fromEntries(Object.keys(reactHooks.configs['recommended-latest'].rules).map((rule) => [rule, 'error'])),
      // Off: the app does not build with the React Compiler, and this rule's model of refs misreads this code.
      // It reports every read of a ref inside a callback that is created during render and called only from
      // events (compare-view's scroll sync, useGovernance's controller object passed as a prop), and the
      // "latest value" ref (`ref.current = value` in render, read by event handlers). 18 reports, none a bug.
      'react-hooks/refs': 'off',
      // Off: the hooks that subscribe to a Yjs provider or document (use-collab-session, use-page-activity,
      // use-review-doc, use-anchor-states, use-follow, …) take the current snapshot with setState when the
      // subscription starts, inside the effect that subscribes; this rule reports each such call. Moving them
      // to useSyncExternalStore would satisfy it, a rewrite of the live view's hooks, not a lint fix.
      'react-hooks/set-state-in-effect': 'off',
    },
  },
  {
    files: ['**/*.{ts,tsx,mts,mjs,js}'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { node: { extensions: ['.ts', '.tsx', '.mts', '.mjs', '.js'] } },
      'boundaries/files': LAYERS,
      'boundaries/files-single-match': true,
      'boundaries/root-path': import.meta.dirname,
    },
    rules: {
      // checkAllOrigins: packages and Node modules are checked too (the frame and lib/protocol may not use
      // Node's); checkUnknownLocals: an import of a local file in no layer is an error, not ignored.
      'boundaries/dependencies': ['error', { default: 'disallow', checkAllOrigins: true, checkUnknownLocals: true, policies: POLICIES }],
      // Every file of ours must belong to a layer (a new top-level folder needs a line in LAYERS).
      'boundaries/no-unknown-files': 'error',
    },
  },
);
