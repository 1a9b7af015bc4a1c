// Real proxy servers from Debian for the transport.proxyURL tests: squid and tinyproxy (HTTP CONNECT), dante and microsocks (SOCKS5), on 127.0.0.1 with temp configs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { freePort, sleep, writeFile } from './harness.js';

/** How long a proxy may take to listen (squid starts its helpers first). */
const PROXY_READY_TIMEOUT_MS = 20_000;
/** How long a proxy may take to exit once told to. */
const PROXY_EXIT_TIMEOUT_MS = 5_000;

/** Where scripts/ensure-test-tools.mjs puts each binary. */
export const BINARIES = {
  squid: '/usr/sbin/squid',
  htpasswd: '/usr/bin/htpasswd',
  tinyproxy: '/usr/bin/tinyproxy',
  danted: '/usr/sbin/danted',
  microsocks: '/usr/bin/microsocks',
} as const;

/** The skip reason when one of `names` is missing, else false. */
export function missing(...names: (keyof typeof BINARIES)[]): string | false {
  const absent = names.map((n) => BINARIES[n]).filter((p) => !existsSync(p));
  return absent.length === 0
    ? false
    : `${absent.join(', ')} missing and could not be installed (run "node scripts/ensure-test-tools.mjs" as root on Debian)`;
}

/** A running proxy: its port, what it logged, and how to stop it. */
export interface ProxyServer {
  port: number;
  /** Its output and log file so far. */
  log(): string;
  close(): Promise<void>;
}

/** Resolves once 127.0.0.1:port accepts a connection. */
async function waitListening(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + PROXY_READY_TIMEOUT_MS;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    if (child.exitCode !== null) throw new Error(`proxy exited with ${child.exitCode}:\n${output()}`);
    if (Date.now() > deadline)
      throw new Error(`proxy not listening on ${port} after ${PROXY_READY_TIMEOUT_MS} ms:\n${output()}`);
    await sleep(100);
  }
}

/** Spawns a proxy in the foreground, collecting its output; `logFile` is read too when given. */
async function start(command: string, args: string[], port: number, logFile?: string): Promise<ProxyServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: string[] = [];
  child.stdout?.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = (): string => {
    const file = logFile !== undefined && existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    return chunks.join('') + file;
  };
  const close = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), PROXY_EXIT_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitListening(port, child, log);
  } catch (err) {
    await close();
    throw err;
  }
  return { port, log, close };
}

/**
 * When run as root, squid, tinyproxy and dante drop to an unprivileged user (proxy, nobody), which
 * must reach their folder through the test run's private temp folders, write logs in it and read
 * the configs and htpasswd: the folders on the way get o+x, the proxy's own folder is opened to all.
 */
function openToDroppedUser(dir: string, files: string[]): void {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return;
  for (let d = dirname(dir); d !== dirname(d) && d !== '/tmp'; d = dirname(d)) {
    chmodSync(d, statSync(d).mode | 0o011);
  }
  chmodSync(dir, 0o777);
  for (const f of files) chmodSync(f, 0o644);
}

/** squid as an HTTP CONNECT proxy requiring basic auth (`user`/`password`, an htpasswd file), logging CONNECTs. */
export async function startSquid(dir: string, user: string, password: string): Promise<ProxyServer> {
  const port = await freePort();
  const htpasswd = join(dir, 'htpasswd');
  const made = spawnSync(BINARIES.htpasswd, ['-bc', htpasswd, user, password], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`htpasswd failed: ${made.stderr}`);
  const access = join(dir, 'access.log');
  const conf = writeFile(
    dir,
    'squid.conf',
    [
      `http_port 127.0.0.1:${port}`,
      `pid_filename ${join(dir, 'squid.pid')}`,
      `cache_log ${join(dir, 'cache.log')}`,
      `access_log stdio:${access}`,
      'cache deny all',
      'cache_mem 8 MB',
      `coredump_dir ${dir}`,
      'shutdown_lifetime 0 seconds',
      `auth_param basic program /usr/lib/squid/basic_ncsa_auth ${htpasswd}`,
      'auth_param basic realm burrow-test',
      'acl authed proxy_auth REQUIRED',
      'http_access allow authed',
      'http_access deny all',
      '',
    ].join('\n'),
  );
  openToDroppedUser(dir, [htpasswd, conf]);
  return start(BINARIES.squid, ['-N', '-f', conf], port, access);
}

/** tinyproxy as an HTTP CONNECT proxy with BasicAuth, any port allowed. */
export async function startTinyproxy(dir: string, user: string, password: string): Promise<ProxyServer> {
  const port = await freePort();
  const conf = writeFile(
    dir,
    'tinyproxy.conf',
    [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 60',
      'MaxClients 20',
      'LogLevel Connect',
      `BasicAuth ${user} ${password}`,
      ...(process.getuid?.() === 0 ? ['User nobody', 'Group nogroup'] : []),
      '',
    ].join('\n'),
  );
  openToDroppedUser(dir, [conf]);
  return start(BINARIES.tinyproxy, ['-d', '-c', conf], port);
}

/** dante as a SOCKS5 proxy without authentication (its username method needs system accounts), logging to stderr. */
export async function startDante(dir: string): Promise<ProxyServer> {
  const port = await freePort();
  const conf = writeFile(
    dir,
    'danted.conf',
    [
      'logoutput: stderr',
      `internal: 127.0.0.1 port = ${port}`,
      'external: 127.0.0.1',
      'socksmethod: none',
      'clientmethod: none',
      ...(process.getuid?.() === 0 ? ['user.unprivileged: nobody'] : []),
      'client pass {\n  from: 127.0.0.0/8 to: 0.0.0.0/0\n  log: connect\n}',
      'socks pass {\n  from: 127.0.0.0/8 to: 0.0.0.0/0\n  command: connect\n  log: connect\n}',
      '',
    ].join('\n'),
  );
  openToDroppedUser(dir, [conf]);
  return start(BINARIES.danted, ['-f', conf, '-p', join(dir, 'danted.pid')], port);
}

/** microsocks as a SOCKS5 proxy requiring username/password (RFC 1929). */
export async function startMicrosocks(user: string, password: string): Promise<ProxyServer> {
  const port = await freePort();
  return start(BINARIES.microsocks, ['-i', '127.0.0.1', '-p', String(port), '-u', user, '-P', password], port);
}
