// Test set-up: installs the Debian packages some tests need (chromium for the dashboard, testssl.sh for the TLS scan, proxies for transport.proxyURL); never fails the run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';

/** Each tool: where its test looks for it, the Debian package that provides it, and the test that needs it. */
const TOOLS = [
  { path: '/usr/bin/chromium', pkg: 'chromium', test: 'the dashboard browser test' },
  { path: '/usr/bin/testssl', pkg: 'testssl.sh', test: 'the testssl.sh scan test' },
  { path: '/usr/sbin/squid', pkg: 'squid', test: 'the proxyURL test through squid (HTTP CONNECT, basic auth)' },
  { path: '/usr/bin/htpasswd', pkg: 'apache2-utils', test: 'the proxyURL test through squid (its htpasswd file)' },
  { path: '/usr/bin/tinyproxy', pkg: 'tinyproxy', test: 'the proxyURL test through tinyproxy (HTTP CONNECT)' },
  { path: '/usr/sbin/danted', pkg: 'dante-server', test: 'the proxyURL test through dante (SOCKS5)' },
  {
    path: '/usr/bin/microsocks',
    pkg: 'microsocks',
    test: 'the proxyURL test through microsocks (SOCKS5 username auth)',
  },
];
/** apt's package lists; older than this (or absent) means `apt-get update` first. */
const APT_LISTS_DIR = '/var/lib/apt/lists';
/** Package lists younger than this are fresh enough to install from (one day). */
const APT_LISTS_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** Upper bound for `apt-get update` (ten minutes). */
const APT_UPDATE_TIMEOUT_MS = 10 * 60 * 1000;
/** Upper bound for the install itself; chromium alone downloads ~100 MB (twenty minutes). */
const APT_INSTALL_TIMEOUT_MS = 20 * 60 * 1000;

const say = (message) => console.log(`ensure-test-tools: ${message}`);
/** A tool that cannot be installed only skips its test, so this is a warning. */
const warn = (message, missing) =>
  console.warn(`ensure-test-tools: WARNING: ${message} — skipped: ${missing.map((t) => t.test).join(', ')}.`);

/** True on Debian or a derivative (/etc/debian_version, or ID / ID_LIKE naming debian). */
function isDebian() {
  if (existsSync('/etc/debian_version')) return true;
  try {
    return /^ID(_LIKE)?=.*debian/m.test(readFileSync('/etc/os-release', 'utf8'));
  } catch {
    return false;
  }
}

/** True when apt's lists hold a package index (plain or compressed: _Packages, _Packages.lz4, …) younger than the limit. */
function aptListsFresh() {
  try {
    const now = Date.now();
    return readdirSync(APT_LISTS_DIR).some(
      (name) =>
        /_Packages(\.\w+)?$/.test(name) && now - statSync(`${APT_LISTS_DIR}/${name}`).mtimeMs < APT_LISTS_MAX_AGE_MS,
    );
  } catch {
    return false;
  }
}

/** Runs a command with inherited output; returns true on exit status 0. */
function run(command, args, timeout) {
  say(`running: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    timeout,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.error) {
    say(`${command} failed to run: ${result.error.message}`);
    return false;
  }
  if (result.status !== 0) say(`${command} exited with status ${result.status ?? result.signal}`);
  return result.status === 0;
}

function main() {
  const missing = TOOLS.filter((tool) => !existsSync(tool.path));
  if (missing.length === 0) {
    say(`${TOOLS.map((t) => t.path).join(', ')} present, nothing to do.`);
    return;
  }
  const names = missing.map((t) => t.pkg);
  if (process.platform !== 'linux' || !isDebian()) {
    warn(`${names.join(', ')} missing and this is not Debian, so they cannot be installed here`, missing);
    return;
  }
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    warn(
      `${names.join(', ')} missing and installing needs root (run: sudo apt-get install ${names.join(' ')})`,
      missing,
    );
    return;
  }
  if (aptListsFresh()) {
    say('apt package lists are fresh, skipping apt-get update.');
  } else if (!run('apt-get', ['update'], APT_UPDATE_TIMEOUT_MS)) {
    warn('apt-get update failed', missing);
    return;
  }
  if (!run('apt-get', ['install', '-y', '--no-install-recommends', ...names], APT_INSTALL_TIMEOUT_MS)) {
    warn(`apt-get install ${names.join(' ')} failed`, missing);
    return;
  }
  const stillMissing = missing.filter((tool) => !existsSync(tool.path));
  if (stillMissing.length > 0)
    warn(`apt-get ran but ${stillMissing.map((t) => t.path).join(', ')} is still missing`, stillMissing);
  else say(`installed ${names.join(', ')}.`);
}

try {
  main();
} catch (err) {
  warn(`unexpected failure: ${err instanceof Error ? err.message : String(err)}`, TOOLS);
}
// Never fail the test run: each test that needs a tool decides for itself whether it can run.
process.exitCode = 0;
