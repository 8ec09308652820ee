// One Hocuspocus process for the benchmark: the Redis extension (fan-out between processes, on the
// bench's Redis and its own prefix) and the Database extension storing each document's whole state in
// PostgreSQL on Hocuspocus's debounce (2 s, at most 10 s): the deployment its docs describe for
// several instances. Not like Loupe on durability: an update reaches readers before it is stored.
// Env: PORT (0 = any), REDIS_URL, REDIS_PREFIX, DATABASE_URL (table hocuspocus_documents made by the bench).
import { Server } from '@hocuspocus/server';
import { Redis } from '@hocuspocus/extension-redis';
import { Database } from '@hocuspocus/extension-database';
import pg from 'pg';

const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });

const server = new Server({
  address: '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  quiet: true,
  stopOnSignals: false,
  extensions: [
    new Redis({
      host: redisUrl.hostname,
      port: Number(redisUrl.port || 6379),
      prefix: (process.env.REDIS_PREFIX ?? 'hocuspocus-bench:').replace(/:$/, ''),
    }),
    new Database({
      fetch: async ({ documentName }) => {
        const { rows } = await pool.query('SELECT data FROM hocuspocus_documents WHERE name = $1', [documentName]);
        return rows[0]?.data ?? null;
      },
      store: async ({ documentName, state }) => {
        await pool.query(
          'INSERT INTO hocuspocus_documents (name, data) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET data = EXCLUDED.data',
          [documentName, state],
        );
      },
    }),
  ],
});

await server.listen();
process.stdout.write(`READY ${server.httpServer.address().port}\n`);
process.on('SIGTERM', () => {
  // destroy() stores pending debounced documents first.
  void server.destroy().then(() => pool.end()).then(() => process.exit(0));
});
