// Test set-up: make sure Debian's testssl.sh is installed for test/e2e/testssl.test.ts; never fails the run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';

/** Where Debian's package puts the scanner (the test looks here, then on PATH). */
const TESTSSL_PATH = '/usr/bin/testssl';
/** The Debian package that provides it. */
const TESTSSL_PACKAGE = 'testssl.sh';
/** apt's package lists; older than this (or absent) means `apt-get update` first. */
const APT_LISTS_DIR = '/var/lib/apt/lists';
/** Package lists younger than this are fresh enough to install from (one day). */
const APT_LISTS_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** Upper bound for `apt-get update` (ten minutes). */
const APT_UPDATE_TIMEOUT_MS = 10 * 60 * 1000;
/** Upper bound for the install itself (a shell script plus bsdextrautils/dnsutils: five minutes). */
const APT_INSTALL_TIMEOUT_MS = 5 * 60 * 1000;

const say = (message) => console.log(`ensure-testssl: ${message}`);
const warn = (message) => console.warn(`ensure-testssl: WARNING: ${message} — the testssl.sh scan test will be skipped.`);

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
      (name) => /_Packages(\.\w+)?$/.test(name) && now - statSync(`${APT_LISTS_DIR}/${name}`).mtimeMs < APT_LISTS_MAX_AGE_MS,
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
  if (existsSync(TESTSSL_PATH)) {
    say(`${TESTSSL_PATH} present, nothing to do.`);
    return;
  }
  if (process.platform !== 'linux' || !isDebian()) {
    warn(`${TESTSSL_PATH} is missing and this is not Debian, so it cannot be installed here`);
    return;
  }
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    warn(`${TESTSSL_PATH} is missing and installing it needs root (run: sudo apt-get install ${TESTSSL_PACKAGE})`);
    return;
  }
  if (aptListsFresh()) {
    say('apt package lists are fresh, skipping apt-get update.');
  } else if (!run('apt-get', ['update'], APT_UPDATE_TIMEOUT_MS)) {
    warn('apt-get update failed');
    return;
  }
  if (!run('apt-get', ['install', '-y', '--no-install-recommends', TESTSSL_PACKAGE], APT_INSTALL_TIMEOUT_MS)) {
    warn(`apt-get install ${TESTSSL_PACKAGE} failed`);
    return;
  }
  if (existsSync(TESTSSL_PATH)) say(`installed ${TESTSSL_PACKAGE}: ${TESTSSL_PATH} is ready.`);
  else warn(`apt-get installed ${TESTSSL_PACKAGE} but ${TESTSSL_PATH} is still missing`);
}

try {
  main();
} catch (err) {
  warn(`unexpected failure: ${err instanceof Error ? err.message : String(err)}`);
}
// Never fail the test run: the testssl test decides for itself whether it can run.
process.exitCode = 0;
