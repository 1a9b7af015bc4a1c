// The dashboard in a real browser: Debian's chromium (via playwright-core) loads the page, sees a live proxy, screenshots it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { BurrowMetrics, startAdminServer, type AdminServer, type ProxyInfo, type ServerView } from '../../src/admin/index.js';
import { fakeClientView } from '../admin/fakes.js';

/** Where scripts/ensure-browser.mjs puts Debian's chromium. */
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
const SCREENSHOT = fileURLToPath(new URL(
  process.env.BURROW_UPDATE_SCREENSHOTS === '1' ? '../../docs/dashboard.png' : '../../test-output/dashboard.png',
  import.meta.url,
));
const USER = 'admin';
const PASSWORD = 'dashboard-test';
const DAY_MS = 86_400_000;

const skipReason = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing and could not be installed (run "node scripts/ensure-browser.mjs" as root on Debian)`;

/** A server view that looks like a busy server: numbers grow between polls. */
function liveServerView(): ServerView {
  const started = Date.now() - 3 * DAY_MS - 5 * 3_600_000 - 17 * 60_000;
  const t0 = Date.now();
  const grow = () => Math.floor((Date.now() - t0) / 100);
  const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
  const proxies = (): ProxyInfo[] => [
    {
      name: 'web', type: 'tcp', status: 'online', runId: 'run-alice', remoteAddr: ':6000', curConns: 4,
      todayTrafficIn: 18_400_000 + grow() * 1000, todayTrafficOut: 412_000_000 + grow() * 50_000,
      lastStartTime: iso(5 * 3_600_000), lastCloseTime: '', conf: { proxy_name: 'web', proxy_type: 'tcp', remote_port: 6000 },
    },
    {
      name: 'grafana', type: 'http', status: 'online', runId: 'run-alice', remoteAddr: 'grafana.tunnel.example.com', curConns: 1,
      todayTrafficIn: 2_100_000, todayTrafficOut: 35_700_000,
      lastStartTime: iso(26 * 3_600_000), lastCloseTime: '', conf: { proxy_name: 'grafana', proxy_type: 'http', subdomain: 'grafana' },
    },
    {
      name: 'ssh-build', type: 'tcp', status: 'online', runId: 'run-ci', remoteAddr: ':6022', curConns: 0,
      todayTrafficIn: 96_000, todayTrafficOut: 310_000,
      lastStartTime: iso(50 * 60_000), lastCloseTime: '', conf: { proxy_name: 'ssh-build', proxy_type: 'tcp', remote_port: 6022 },
    },
    {
      name: 'legacy-api', type: 'https', status: 'offline', runId: 'run-old', remoteAddr: 'api.example.com', curConns: 0,
      todayTrafficIn: 0, todayTrafficOut: 0,
      lastStartTime: iso(2 * DAY_MS), lastCloseTime: iso(7 * 3_600_000), conf: { proxy_name: 'legacy-api', proxy_type: 'https' },
    },
  ];
  const traffic: Record<string, { trafficIn: number[]; trafficOut: number[] }> = {
    web: { trafficIn: [18e6, 22e6, 31e6, 12e6, 9e6, 25e6, 20e6], trafficOut: [412e6, 380e6, 520e6, 210e6, 160e6, 450e6, 300e6] },
    grafana: { trafficIn: [2e6, 3e6, 2.5e6, 1e6, 0, 0, 4e6], trafficOut: [35e6, 40e6, 38e6, 20e6, 0, 0, 50e6] },
    'ssh-build': { trafficIn: [9e4, 3e5, 1e5, 0, 2e5, 1e5, 5e4], trafficOut: [3e5, 9e5, 4e5, 0, 6e5, 3e5, 2e5] },
    'legacy-api': { trafficIn: [0, 5e6, 6e6, 4e6, 7e6, 5e6, 6e6], trafficOut: [0, 60e6, 70e6, 55e6, 80e6, 66e6, 71e6] },
  };
  return {
    info: () => ({
      version: '0.1.0', bindPort: 7000, vhostHTTPPort: 8080, vhostHTTPSPort: 8443, tcpMux: true,
      subdomainHost: 'tunnel.example.com', startTime: new Date(started).toISOString(), clientCounts: 2, curConns: 5,
      totalTrafficIn: 3_200_000_000 + grow() * 1000, totalTrafficOut: 58_000_000_000 + grow() * 50_000,
      proxyTypeCount: { tcp: 2, http: 1 },
    }),
    clients: () => [
      {
        runId: 'run-alice', user: 'alice', hostname: 'alice-workstation', os: 'linux', arch: 'amd64', version: '0.70.0',
        remoteAddress: '127.0.0.1:53122', wire: 'v2', controlCipher: 'aes-128-cfb',
        tls: {
          version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256',
          identity: { cn: 'alice', dns: ['alice.corp.example'], uris: [], fingerprint: 'sha256:' + '3fa9c2'.repeat(10) + 'd1e4', validTo: iso(-90 * DAY_MS) },
        },
        connectedSince: iso(5 * 3_600_000),
      },
      {
        runId: 'run-ci', user: 'ci', hostname: 'build-runner-7', os: 'linux', arch: 'arm64', version: '0.1.0',
        remoteAddress: '127.0.0.1:53190', wire: 'v1', controlCipher: 'aes-128-cfb',
        tls: { version: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256' },
        connectedSince: iso(50 * 60_000),
      },
    ],
    proxies,
    traffic: (name) => traffic[name],
    certificates: () => [
      { role: 'server', subject: 'CN=burrow server', notAfter: iso(-3640 * DAY_MS), daysLeft: 3640, fingerprint: 'sha256:' + '9b04e1'.repeat(10) + '77aa' },
      { role: 'client CA', subject: 'CN=burrow CA, O=example', notAfter: iso(-24 * DAY_MS), daysLeft: 24, fingerprint: 'sha256:' + 'c0ffee'.repeat(10) + '0042' },
      { role: 'client', subject: 'CN=alice', notAfter: iso(-5 * DAY_MS), daysLeft: 5, fingerprint: 'sha256:' + '3fa9c2'.repeat(10) + 'd1e4' },
    ],
  };
}

/** Opens a fresh chromium profile that may reach only `allowedHost` (any port); records what else was tried. */
async function openBrowser(profileDir: string, allowedHost: string, blocked: string[], errors: string[]): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    timeout: LAUNCH_TIMEOUT_MS,
    viewport: { width: 1360, height: 900 },
    deviceScaleFactor: 1,
    httpCredentials: { username: USER, password: PASSWORD },
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
  let serverAdmin: AdminServer;
  let clientAdmin: AdminServer;
  let context: BrowserContext;
  const blocked: string[] = [];
  const errors: string[] = [];

  before(async () => {
    profileDir = mkdtempSync(join(tmpdir(), 'burrow-chromium-'));
    const metrics = new BurrowMetrics();
    serverAdmin = await startAdminServer({ port: 0, user: USER, password: PASSWORD, view: liveServerView(), metrics, enablePrometheus: true });
    clientAdmin = await startAdminServer({ port: 0, user: USER, password: PASSWORD, view: fakeClientView() });
    // Both servers share 127.0.0.1 (on two ports); nothing else may be reached.
    context = await openBrowser(profileDir, '127.0.0.1', blocked, errors);
  });

  after(async () => {
    await context?.close();
    await serverAdmin?.close();
    await clientAdmin?.close();
    rmSync(profileDir, { recursive: true, force: true });
  });

  it('shows a live proxy, the clients with their identity and TLS state, and certificate expiry', async () => {
    const page = await context.newPage();
    await page.goto(serverAdmin.url + '/', { timeout: UI_TIMEOUT_MS });
    const row = page.locator('#proxies tbody tr[data-proxy="web"]');
    await row.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.match(await row.innerText(), /web\s+tcp\s+online/);
    assert.match(await row.innerText(), /:6000/);
    await page.locator('#proxies tbody tr[data-proxy="web"] svg.chart rect').first().waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await row.locator('svg.chart rect').count(), 14, 'seven days, in and out');

    const offline = await page.locator('#proxies tbody tr[data-proxy="legacy-api"]').innerText();
    assert.match(offline, /offline/);

    const clients = await page.locator('#clients tbody').innerText();
    assert.match(clients, /alice/);
    assert.match(clients, /TLSv1\.3/);
    assert.match(clients, /TLS_AES_128_GCM_SHA256/);
    assert.match(clients, /no client cert/);

    const certs = await page.locator('#certs tbody').innerText();
    assert.match(certs, /client CA/);
    assert.match(certs, /5 days/);

    assert.equal(await page.locator('[data-k="clients"]').innerText(), '2');
    assert.match(await page.locator('[data-k="uptime"]').innerText(), /^3d 5h/);
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
});
