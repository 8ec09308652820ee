// `npm start`: build when needed, then run the server (TypeScript via tsx) in this process.
import { register } from 'tsx/esm/api';
import { buildIfStale } from './build-if-stale.mjs';

process.env.NEXT_TELEMETRY_DISABLED = '1';
buildIfStale();
register();
await import('../server/main.ts');
