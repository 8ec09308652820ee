import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLUSTER_ADMIN_EMAIL, CLUSTER_ADMIN_PASSWORD, listenPort, startCluster, type TestCluster } from '../../test/helpers/cluster';
import type { LoupeProcess } from '../fixtures/server';

/**
 * Two full Loupe instances (Next pages included) on one PostgreSQL database and one Redis, behind a real nginx
 * from Debian's packages running deploy/nginx/loupe.conf, the README's configuration, with only the addresses
 * swapped: round robin, no sticky sessions, WebSocket upgrades passed through.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SITE = join(ROOT, 'deploy/nginx/loupe.conf');

export interface BalancedLoupe {
  /** The load balancer as specs see a Loupe: APP_ORIGIN and SANDBOX_ORIGIN are nginx's. */
  loupe: LoupeProcess;
  cluster: TestCluster;
  adminEmail: string;
  adminPassword: string;
  /**
   * Open TCP connections to each instance's app port, in instance order. nginx keeps no idle upstream connections
   * (no `keepalive` in the config), so what stays open is a live WebSocket; its access log only has them once closed.
   */
  liveConnections(): number[];
  stop(): Promise<void>;
}

export async function startBalancedLoupe(instances = 2): Promise<BalancedLoupe> {
  const appPort = await listenPort();
  const sandboxPort = await listenPort();
  const appOrigin = `http://localhost:${appPort}`;
  // Another site than the app (127.0.0.1 vs localhost), as Loupe requires.
  const sandboxOrigin = `http://127.0.0.1:${sandboxPort}`;
  const cluster = await startCluster({
    instances,
    pages: true,
    appOrigin,
    sandboxOrigin,
    env: { TRUST_PROXY: '1', LOG_LEVEL: 'warn' },
  });
  let nginx: Nginx;
  try {
    nginx = await startNginx(cluster, appPort, sandboxPort);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return {
    loupe: {
      url: appOrigin,
      sandboxOrigin,
      token: cluster.token,
      dataDir: '',
      output: () => `${cluster.instances.map((instance) => `--- instance ${instance.index}\n${instance.output}`).join('\n')}\n--- nginx\n${nginx.errors()}`,
    },
    cluster,
    adminEmail: CLUSTER_ADMIN_EMAIL,
    adminPassword: CLUSTER_ADMIN_PASSWORD,
    liveConnections: () => cluster.instances.map((instance) => establishedTo(instance.port)),
    stop: async () => {
      await nginx.stop();
      await cluster.stop();
    },
  };
}

/** ESTABLISHED connections whose remote end is 127.0.0.1:port, from /proc/net/tcp (Linux, like the rest of CI). */
function establishedTo(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // fields: sl, local_address, rem_address, st (01 = ESTABLISHED), …
      if (fields.length > 3 && fields[2].endsWith(`:${hexPort}`) && fields[3] === '01') count++;
    }
  }
  return count;
}

export interface Nginx {
  accessLog(): string;
  errors(): string;
  stop(): Promise<void>;
}

/** nginx from the PATH or /usr/sbin (Debian puts it there); .ci/run installs it when missing. */
function nginxBinary(): string {
  for (const candidate of ['nginx', '/usr/sbin/nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next
    }
  }
  throw new Error('nginx is not installed: apt-get install -y nginx (.ci/run does this on CI)');
}

export async function startNginx(cluster: { instances: Array<{ port: number; sandboxPort: number }> }, appPort: number, sandboxPort: number): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-nginx-'));
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  const accessLog = join(dir, 'access.log');
  const sandboxLog = join(dir, 'sandbox.log');
  const errorLog = join(dir, 'error.log');
  const site = readFileSync(SITE, 'utf8');
  const swap = (pattern: RegExp, replacement: string) => {
    const swapped = site2.replace(pattern, replacement);
    if (swapped === site2) throw new Error(`deploy/nginx/loupe.conf no longer matches ${pattern}: update the test with it`);
    site2 = swapped;
  };
  let site2 = site;
  swap(/upstream loupe_app \{[^}]*\}/, `upstream loupe_app {\n${cluster.instances.map((i) => `    server 127.0.0.1:${i.port} max_fails=1 fail_timeout=5s;`).join('\n')}\n}`);
  swap(/upstream loupe_sandbox \{[^}]*\}/, `upstream loupe_sandbox {\n${cluster.instances.map((i) => `    server 127.0.0.1:${i.sandboxPort} max_fails=1 fail_timeout=5s;`).join('\n')}\n}`);
  swap(/listen 80;/, `listen 127.0.0.1:${appPort};`);
  swap(/listen 8081;/, `listen 127.0.0.1:${sandboxPort};`);
  swap(/\/var\/log\/nginx\/loupe\.log/, accessLog);
  swap(/\/var\/log\/nginx\/loupe-sandbox\.log/, sandboxLog);
  // What Debian's /etc/nginx/nginx.conf provides around a conf.d file, kept inside the temp directory.
  const main = [
    'worker_processes 1;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${errorLog} warn;`,
    // Run as root (CI containers), workers would otherwise drop to a user that cannot write the temp directory.
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    'events { worker_connections 1024; }',
    'http {',
    `  client_body_temp_path ${join(dir, 'body')};`,
    `  proxy_temp_path ${join(dir, 'proxy')};`,
    `  fastcgi_temp_path ${join(dir, 'fastcgi')};`,
    `  uwsgi_temp_path ${join(dir, 'uwsgi')};`,
    `  scgi_temp_path ${join(dir, 'scgi')};`,
    site2,
    '}',
  ].join('\n');
  const configPath = join(dir, 'nginx.conf');
  writeFileSync(configPath, main);
  const child: ChildProcess = spawn(nginxBinary(), ['-c', configPath, '-p', dir, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}${read(errorLog)}`);
    const health = await fetch(`http://127.0.0.1:${appPort}/api/health`).catch(() => null);
    if (health?.status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not answer on ${appPort}: ${stderr}${read(errorLog)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    accessLog: () => read(accessLog),
    errors: () => stderr + read(errorLog),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          rmSync(dir, { recursive: true, force: true });
          return resolve();
        }
        child.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        // QUIT: graceful; the cluster is stopped right after anyway.
        child.kill('SIGQUIT');
      }),
  };
}
