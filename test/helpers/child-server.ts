// A Loupe process (API + rooms, no pages) for tests that must kill it for real.
import { loadConfig } from '../../server/config';
import { startLoupeServer } from '../../server/loupe-server';
import { silentLogger } from '../../server/log';

const server = await startLoupeServer({ config: loadConfig(), logger: silentLogger });
process.stdout.write(`READY ${server.appOrigin}\n`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
