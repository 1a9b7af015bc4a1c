// The dashboard in a real browser: Debian's chromium (via playwright-core) loads the page of a real running
// `burrow server`, sees a live proxy, a client with its certificate identity, an offline proxy; screenshots it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { startAdminServer, type AdminServer } from '../../src/admin/index.js';
import { fakeClientView } from '../admin/fakes.js';
import {
  BurrowProcess,
  download,
  freePort,
  killAll,
  randomPayload,
  removeDir,
  runCli,
  scratchDir,
  startFileServer,
  writeFile,
} from './harness.js';

/** Where scripts/ensure-test-tools.mjs puts Debian's chromium. */
const CHROMIUM = '/usr/bin/chromium';
/** Flags for a quiet headless chromium that talks to nothing but our loopback server. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Upper bound for starting the browser. */
const LAUNCH_TIMEOUT_MS = 30_000;
/** Upper bound for the page to show what a test waits for. */
const UI_TIMEOUT_MS = 15_000;
/**
 * Where the screenshot goes: the one the docs show (docs/dashboard.png) when
 * BURROW_UPDATE_SCREENSHOTS=1, else test-output/ (git-ignored), so a test run leaves the tree clean.
 */
const SCREENSHOT = fileURLToPath(
  new URL(
    process.env.BURROW_UPDATE_SCREENSHOTS === '1' ? '../../docs/dashboard.png' : '../../test-output/dashboard.png',
    import.meta.url,
  ),
);
const USER = 'admin';
const PASSWORD = 'dashboard-test';
const TOKEN = 'dashboard-token';
/** Bytes downloaded through the live proxy, so its counters and chart show traffic. */
const DOWNLOAD_SIZE = 3 * 1024 * 1024;

const skipReason = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing and could not be installed (run "node scripts/ensure-test-tools.mjs" as root on Debian)`;

/** A real server with mutual TLS and the admin API, one client (alice) with a live proxy "web", and an offline proxy "old". */
async function startRealServer(dir: string, files: number): Promise<{ url: string; webPort: number }> {
  const ca = join(dir, 'ca');
  for (const args of [
    ['ca', 'init', '--dir', ca, '--name', 'dashboard CA'],
    ['cert', 'issue', 'server', '--ca-dir', ca, '--out', join(dir, 'server'), '127.0.0.1'],
    ['cert', 'issue', 'client', '--ca-dir', ca, '--out', join(dir, 'alice'), 'alice'],
  ]) {
    const result = await runCli(args);
    assert.equal(result.code, 0, result.output);
  }
  const [bindPort, adminPort, webPort, oldPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const server = new BurrowProcess([
    'server',
    '-c',
    writeFile(
      dir,
      'frps.toml',
      [
        'bindAddr = "127.0.0.1"',
        `bindPort = ${bindPort}`,
        `auth.token = "${TOKEN}"`,
        `transport.tls.certFile = "${join(dir, 'server.crt')}"`,
        `transport.tls.keyFile = "${join(dir, 'server.key')}"`,
        `transport.tls.trustedCaFile = "${join(ca, 'ca.crt')}"`,
        'enablePrometheus = true',
        '[webServer]',
        `port = ${adminPort}`,
        `user = "${USER}"`,
        `password = "${PASSWORD}"`,
        '',
      ].join('\n'),
    ),
  ]);
  const line = await server.waitFor(/burrow server admin API on /);
  const url = /admin API on (\S+)/.exec(line)![1]!;
  const clientToml = (proxies: [string, number][]) =>
    [
      'serverAddr = "127.0.0.1"',
      `serverPort = ${bindPort}`,
      `auth.token = "${TOKEN}"`,
      'user = "alice"',
      `transport.tls.trustedCaFile = "${join(ca, 'ca.crt')}"`,
      `transport.tls.certFile = "${join(dir, 'alice.crt')}"`,
      `transport.tls.keyFile = "${join(dir, 'alice.key')}"`,
      '',
      ...proxies.flatMap(([name, port]) => [
        '[[proxies]]',
        `name = "${name}"`,
        'type = "tcp"',
        `localPort = ${files}`,
        `remotePort = ${port}`,
        '',
      ]),
    ].join('\n');
  // A proxy that was online and closed: the dashboard lists it as offline.
  const gone = new BurrowProcess(['client', '-c', writeFile(dir, 'frpc-old.toml', clientToml([['old', oldPort]]))]);
  await gone.waitFor(/start proxy success/);
  await download(oldPort);
  await gone.kill();
  const client = new BurrowProcess(['client', '-c', writeFile(dir, 'frpc.toml', clientToml([['web', webPort]]))]);
  await client.waitFor(/start proxy success/);
  return { url, webPort };
}

/**
 * Opens a fresh chromium profile that may reach only `allowedHost` (any port); records what else was tried.
 * With `withCredentials` false the browser knows no password: the page URL's userinfo must do.
 */
async function openBrowser(
  profileDir: string,
  allowedHost: string,
  blocked: string[],
  errors: string[],
  withCredentials = true,
): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    timeout: LAUNCH_TIMEOUT_MS,
    viewport: { width: 1360, height: 900 },
    deviceScaleFactor: 1,
    ...(withCredentials ? { httpCredentials: { username: USER, password: PASSWORD } } : {}),
  });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('http:') && new URL(url).hostname === allowedHost) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  context.on('page', (page) => page.on('pageerror', (err) => errors.push(err.message)));
  return context;
}

describe('dashboard in chromium', { skip: skipReason }, () => {
  let profileDir: string;
  let dir: string;
  let serverUrl: string;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let clientAdmin: AdminServer;
  let context: BrowserContext;
  const blocked: string[] = [];
  const errors: string[] = [];

  before(async () => {
    profileDir = mkdtempSync(join(tmpdir(), 'burrow-chromium-'));
    dir = scratchDir();
    files = await startFileServer(randomPayload(DOWNLOAD_SIZE));
    const real = await startRealServer(dir, files.port);
    serverUrl = real.url;
    await download(real.webPort);
    clientAdmin = await startAdminServer({ port: 0, user: USER, password: PASSWORD, view: fakeClientView() });
    // Both servers share 127.0.0.1 (on two ports); nothing else may be reached.
    context = await openBrowser(profileDir, '127.0.0.1', blocked, errors);
  });

  after(async () => {
    await context?.close();
    await clientAdmin?.close();
    await killAll();
    await files?.close();
    rmSync(profileDir, { recursive: true, force: true });
    removeDir(dir);
  });

  it('shows the live proxy of a real server, its client with identity and TLS state, and certificate expiry', async () => {
    const page = await context.newPage();
    await page.goto(serverUrl + '/', { timeout: UI_TIMEOUT_MS });
    const row = page.locator('#proxies tbody tr[data-proxy="alice.web"]');
    await row.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.match(await row.innerText(), /alice\.web\s+tcp\s+online/);
    // Days without traffic are drawn 0 px high: attached, not visible.
    await page
      .locator('#proxies tbody tr[data-proxy="alice.web"] svg.chart rect')
      .first()
      .waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
    assert.equal(await row.locator('svg.chart rect').count(), 14, 'seven days, in and out');
    assert.match(await row.innerText(), /MiB/, "today's traffic of the download");

    const offline = await page.locator('#proxies tbody tr[data-proxy="alice.old"]').innerText();
    assert.match(offline, /offline/);

    const clients = await page.locator('#clients tbody').innerText();
    assert.match(clients, /alice/);
    assert.match(clients, /TLSv1\.[23]/);

    const certs = await page.locator('#certs tbody').innerText();
    assert.match(certs, /client CA/);
    assert.match(certs, /dashboard CA/);

    assert.equal(await page.locator('[data-k="clients"]').innerText(), '1');
    assert.match(await page.locator('[data-k="uptime"]').innerText(), /^\d+(s|m \d+s)$/);
    assert.match(await page.locator('#conn').innerText(), /^live/);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.deepEqual(errors, [], 'the page threw');
    assert.deepEqual(blocked, [], 'the page tried to reach another host');
    await page.close();
  });

  it('client page lists proxies and reloads from the button', async () => {
    const page = await context.newPage();
    await page.goto(clientAdmin.url + '/', { timeout: UI_TIMEOUT_MS });
    const row = page.locator('#proxies tbody tr[data-proxy="ssh"]');
    await row.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.match(await row.innerText(), /running/);
    assert.match(await page.locator('#config').inputValue(), /serverAddr = "example.com"/);
    await page.click('#reload');
    await page.locator('#msg', { hasText: 'Reloaded' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.match(await page.locator('#msg').innerText(), /added new; changed ssh/);
    assert.deepEqual(errors, [], 'the page threw');
    assert.deepEqual(blocked, [], 'the page tried to reach another host');
    await page.close();
  });
  it('both pages work when opened as http://user:password@host:port/ (a bookmark with userinfo): real figures, not dashes', async () => {
    // A profile that holds no credentials: only the URL's userinfo authenticates.
    const bareProfile = mkdtempSync(join(tmpdir(), 'burrow-chromium-userinfo-'));
    const bareBlocked: string[] = [];
    const bareErrors: string[] = [];
    const bare = await openBrowser(bareProfile, '127.0.0.1', bareBlocked, bareErrors, false);
    try {
      const withUserinfo = (url: string) =>
        url.replace('http://', `http://${USER}:${encodeURIComponent(PASSWORD)}@`) + '/';
      const page = await bare.newPage();
      await page.goto(withUserinfo(serverUrl), { timeout: UI_TIMEOUT_MS });
      await page.locator('#conn', { hasText: /^live/ }).waitFor({ timeout: UI_TIMEOUT_MS });
      assert.equal(await page.locator('[data-k="clients"]').innerText(), '1');
      assert.match(await page.locator('[data-k="version"]').innerText(), /\d+\.\d+/);
      await page.locator('#proxies tbody tr[data-proxy="alice.web"]').waitFor({ timeout: UI_TIMEOUT_MS });

      const clientPage = await bare.newPage();
      await clientPage.goto(withUserinfo(clientAdmin.url), { timeout: UI_TIMEOUT_MS });
      await clientPage.locator('#proxies tbody tr[data-proxy="ssh"]').waitFor({ timeout: UI_TIMEOUT_MS });
      assert.match(await clientPage.locator('#config').inputValue(), /serverAddr = "example.com"/);
      await clientPage.click('#reload');
      await clientPage.locator('#msg', { hasText: 'Reloaded' }).waitFor({ timeout: UI_TIMEOUT_MS });
      assert.match(await clientPage.locator('#conn').innerText(), /^live/);
      assert.deepEqual(bareErrors, [], 'the pages threw');
      assert.deepEqual(bareBlocked, [], 'the pages tried to reach another host');
    } finally {
      await bare.close();
      rmSync(bareProfile, { recursive: true, force: true });
    }
  });
});
