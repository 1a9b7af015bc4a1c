// e2e: testssl.sh (Debian's package, installed by scripts/ensure-test-tools.mjs) scans the tunnel's bindPort and the HTTPS
// admin port of a real server with a CA-issued certificate; any finding of severity LOW or worse fails the test unless
// it is in the justified allow-list below. Skipped (with the reason) when testssl.sh is not installed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { BurrowProcess, freePort, killAll, removeDir, runCli, scratchDir, writeFile } from './harness.js';

/** Where Debian's testssl.sh package installs the scanner (scripts/ensure-test-tools.mjs). */
const TESTSSL = '/usr/bin/testssl';
/** Upper bound of one scan (they take 30-40 s on 2 cores; the test runner's own limit is 120 s). */
const SCAN_TIMEOUT_MS = 110_000;
/** Per-connection limits inside the scan, so a hung handshake cannot stall it. */
const SCAN_CONNECT_TIMEOUT_S = 10;
/** Largest scan output kept (the text report; the verdict comes from the JSON file). */
const SCAN_MAX_BUFFER = 16 * 1024 * 1024;
/** Severities that fail the test (testssl.sh rates INFO and OK as fine, then LOW < MEDIUM < HIGH < CRITICAL). */
const FAILING_SEVERITIES = new Set(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
/** testssl.sh says WARN when it could not run a check: that fails too, unless allow-listed, or the scan proves nothing. */
const SCAN_PROBLEM_SEVERITY = 'WARN';

/**
 * Findings accepted on purpose, by testssl.sh id, each with why. Anything else of severity LOW or
 * worse (or WARN) fails the test.
 */
const ALLOWED: Record<string, { targets: ('tunnel' | 'admin')[]; why: string }> = {
  cert_revocation: {
    targets: ['tunnel', 'admin'],
    why:
      "a property of the certificate, not of burrow's TLS: `burrow cert issue` makes certificates of a private CA without CRL " +
      'distribution point or OCSP URI. Clients trust that CA (or pin the fingerprint) explicitly; a compromised server key is ' +
      'handled by re-issuing and re-pinning. Client certificates ARE checked against a CRL (transport.tls.crlFile).',
  },
  HSTS: {
    targets: ['admin'],
    why:
      'HSTS applies to a host name on every port: an admin API on localhost that sent it would force HTTPS on every other ' +
      'local web service a browser opens on that name. Browsers ignore HSTS on IP addresses anyway, and the admin API ' +
      'binds to loopback by default.',
  },
  sessionresumption_ticket: {
    targets: ['tunnel', 'admin'],
    why:
      'scanner-side and informational (INFO when it runs): testssl.sh 3.0.8 probes ticket resumption with openssl s_client, ' +
      'which can exit before a TLS 1.3 server\'s post-handshake ticket arrives on a busy machine; it then says "connect problem". ' +
      'Resumption support is not a weakness either way.',
  },
  sessionresumption_ID: {
    targets: ['tunnel', 'admin'],
    why: 'same probe and same race as sessionresumption_ticket, for session IDs.',
  },
  engine_problem: {
    targets: ['tunnel', 'admin'],
    why: "scanner-side: Debian's openssl has no GOST engine; GOST suites are not in burrow's cipher list either way.",
  },
  RC4: {
    targets: ['tunnel', 'admin'],
    why:
      "scanner-side: Debian's openssl 3 cannot offer RC4, so testssl.sh cannot probe it. RC4 is excluded by the explicit " +
      'AEAD-only cipher list, and the cipher-category checks (cipherlist_LOW) found none.',
  },
};

/** One entry of testssl.sh's flat JSON output. */
interface Finding {
  id: string;
  severity: string;
  finding: string;
}

const skipReason = existsSync(TESTSSL)
  ? false
  : `${TESTSSL} is missing and could not be installed (run "node scripts/ensure-test-tools.mjs" as root on Debian)`;

/** Runs testssl.sh against 127.0.0.1:port (name "localhost", as in the certificate); resolves with its findings. */
function scan(
  port: number,
  caFile: string,
  jsonFile: string,
  extraChecks: string[],
): Promise<{ findings: Finding[]; text: string }> {
  const args = [
    '--quiet',
    '--color',
    '0',
    '--warnings',
    'off', // non-interactive, plain text
    '--nodns',
    'min',
    '--ip',
    '127.0.0.1', // offline: no DNS beyond what the host file has
    '--add-ca',
    caFile, // our private CA, so the chain of trust is checked instead of failing
    '--connect-timeout',
    String(SCAN_CONNECT_TIMEOUT_S),
    '--openssl-timeout',
    String(SCAN_CONNECT_TIMEOUT_S),
    '--sneaky',
    '--fast',
    '--jsonfile',
    jsonFile,
    '-p',
    '-s',
    '-f',
    '-S',
    '-U',
    ...extraChecks, // protocols, cipher categories, forward secrecy, server defaults, vulnerabilities
    `localhost:${port}`,
  ];
  return new Promise((resolve, reject) => {
    // Asynchronous: the server under test writes its log to a pipe this process must keep reading.
    execFile(
      TESTSSL,
      args,
      { timeout: SCAN_TIMEOUT_MS, maxBuffer: SCAN_MAX_BUFFER, env: { ...process.env, TERM: 'dumb' } },
      (err, stdout, stderr) => {
        const text = `${stdout}\n${stderr}`;
        // testssl.sh's exit status counts findings; the JSON file is the verdict. No file means the scan itself failed.
        if (err?.killed) {
          // Killed at SCAN_TIMEOUT_MS, its JSON file is cut short: say so rather than fail on the JSON.
          reject(new Error(`testssl.sh did not finish within ${SCAN_TIMEOUT_MS} ms (a loaded machine?):\n${text}`));
          return;
        }
        if (!existsSync(jsonFile)) {
          reject(new Error(`testssl.sh wrote no ${jsonFile} (${err?.message ?? 'no error'}):\n${text}`));
          return;
        }
        try {
          resolve({ findings: JSON.parse(readFileSync(jsonFile, 'utf8')) as Finding[], text });
        } catch (parseErr) {
          reject(new Error(`testssl.sh wrote a malformed ${jsonFile} (${String(parseErr)}):\n${text}`));
        }
      },
    );
  });
}

/** Fails on every finding of severity LOW or worse, or WARN, that the allow-list does not excuse for `target`. */
function assertClean(t: TestContext, target: 'tunnel' | 'admin', findings: Finding[], text: string): void {
  const bad = findings.filter((f) => {
    if (!FAILING_SEVERITIES.has(f.severity) && f.severity !== SCAN_PROBLEM_SEVERITY) return false;
    const allowed = ALLOWED[f.id];
    if (allowed?.targets.includes(target)) {
      t.diagnostic(`allowed ${f.severity} ${f.id} (${f.finding}): ${allowed.why}`);
      return false;
    }
    return true;
  });
  const listed = bad.map((f) => `${f.severity} ${f.id}: ${f.finding}`);
  assert.deepEqual(
    listed,
    [],
    `testssl.sh findings on the ${target} port:\n${listed.join('\n')}\n\nfull report:\n${text}`,
  );
}

/** The finding with `id`; fails when the scan did not report it (a check that did not run proves nothing). */
function finding(findings: Finding[], id: string): string {
  const found = findings.find((f) => f.id === id);
  assert.ok(found, `testssl.sh reported no "${id}"`);
  return found.finding;
}

/** What every burrow TLS endpoint must show, named explicitly so a testssl.sh severity change cannot hide it. */
function assertBaseline(findings: Finding[]): void {
  for (const id of ['SSLv2', 'SSLv3', 'TLS1', 'TLS1_1'])
    assert.match(finding(findings, id), /^not offered/, `${id} must be off`);
  assert.match(finding(findings, 'TLS1_2'), /^offered/);
  assert.match(finding(findings, 'TLS1_3'), /^offered/);
  // Cipher categories: only strong AEAD suites (cipherlist_AVERAGE is the obsoleted CBC class).
  for (const id of [
    'cipherlist_NULL',
    'cipherlist_aNULL',
    'cipherlist_EXPORT',
    'cipherlist_LOW',
    'cipherlist_3DES_IDEA',
    'cipherlist_AVERAGE',
  ]) {
    assert.match(finding(findings, id), /^not offered/, `${id} must not be offered`);
  }
  assert.match(finding(findings, 'cipherlist_STRONG'), /^offered/);
  assert.match(finding(findings, 'PFS'), /^offered/);
  // No client-initiated renegotiation, no TLS compression, chain of trust via our CA.
  assert.match(finding(findings, 'secure_client_renego'), /^not vulnerable/);
  assert.match(finding(findings, 'CRIME_TLS'), /^not vulnerable/);
  assert.match(finding(findings, 'cert_chain_of_trust'), /^passed/);
  for (const id of [
    'heartbleed',
    'CCS',
    'ROBOT',
    'POODLE_SSL',
    'SWEET32',
    'FREAK',
    'DROWN',
    'LOGJAM',
    'BEAST',
    'LUCKY13',
  ]) {
    assert.match(finding(findings, id), /^not vulnerable/, id);
  }
}

describe('testssl.sh finds nothing weak', { skip: skipReason }, () => {
  let dir: string;
  let caFile: string;
  let bindPort: number;
  let adminPort: number;

  before(async () => {
    dir = scratchDir();
    const caDir = join(dir, 'ca');
    caFile = join(caDir, 'ca.crt');
    const init = await runCli(['ca', 'init', '--dir', caDir]);
    assert.equal(init.code, 0, init.output);
    const issued = await runCli([
      'cert',
      'issue',
      'server',
      '--ca-dir',
      caDir,
      '--out',
      join(dir, 'server'),
      'localhost',
      '127.0.0.1',
    ]);
    assert.equal(issued.code, 0, issued.output);
    [bindPort, adminPort] = [await freePort(), await freePort()];
    const server = new BurrowProcess([
      'server',
      '-c',
      writeFile(
        dir,
        'frps.toml',
        [
          'bindAddr = "127.0.0.1"',
          `bindPort = ${bindPort}`,
          'auth.token = "testssl-token"',
          `stateDir = "${dir}/state"`,
          'transport.tls.force = true',
          `transport.tls.certFile = "${dir}/server.crt"`,
          `transport.tls.keyFile = "${dir}/server.key"`,
          'webServer.addr = "127.0.0.1"',
          `webServer.port = ${adminPort}`,
          'webServer.user = "admin"',
          'webServer.password = "testssl-admin"',
          `webServer.tls.certFile = "${dir}/server.crt"`,
          `webServer.tls.keyFile = "${dir}/server.key"`,
          '',
        ].join('\n'),
      ),
    ]);
    await server.waitFor(/burrow server listening/);
    await server.waitFor(/admin API on https:/);
  });

  after(async () => {
    await killAll();
    removeDir(dir);
  });

  it('the tunnel port (bindPort, TLS forced): TLS 1.2/1.3 only, AEAD only, no renegotiation, no compression, no known vulnerability', async (t) => {
    // One scan at a time: two in parallel on 2 cores make testssl.sh's own 5 s connect limits fail (WARN).
    const { findings, text } = await scan(bindPort, caFile, join(dir, 'tunnel.json'), []);
    assertClean(t, 'tunnel', findings, text);
    assertBaseline(findings);
  });

  it('the HTTPS admin port ([webServer] tls): the same, plus the HTTP header checks', async (t) => {
    const { findings, text } = await scan(adminPort, caFile, join(dir, 'admin.json'), ['-h']);
    assertClean(t, 'admin', findings, text);
    assertBaseline(findings);
    assert.ok(
      findings.some((f) => f.id === 'HSTS'),
      'the HTTP checks ran (the admin port was seen as HTTP)',
    );
  });
});
