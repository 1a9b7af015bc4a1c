// Interop: the same /api/store requests to the real frpc 0.70 and to burrow's client: same statuses, same JSON (frpc's answer minus the secrets burrow never serves), same store file.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { redactJson } from '../../src/observe/index.js';
import { freePort } from '../e2e/harness.js';
import {
  clientToml,
  FRP_SKIP,
  removeScratch,
  scratchDir,
  serverToml,
  startClient,
  startServer,
  stopAll,
  withLogs,
} from './harness.js';

const AUTH = 'Basic ' + Buffer.from('admin:store-pw').toString('base64');
/** Each admin request must answer within this. */
const REQUEST_TIMEOUT_MS = 10_000;

interface Answer {
  status: number;
  body: string;
}

function request(port: number, method: string, urlPath: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
        agent: false,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
  });
}

/** frp's error text (`{"Code":…,"Msg":…}`) or burrow's (`{"error":…}`). */
function errorText(body: string): string {
  const parsed = JSON.parse(body) as { Msg?: string; error?: string };
  return parsed.Msg ?? parsed.error ?? '';
}

/** The requests, in order; `sameMessage` = the refusal's text is frp's word for word. */
const STEPS: { method: string; path: string; body?: unknown; sameMessage?: boolean }[] = [
  { method: 'GET', path: '/api/store/proxies' },
  {
    method: 'POST',
    path: '/api/store/proxies',
    body: { name: 's1', type: 'tcp', tcp: { localPort: 8080, remotePort: 0 } },
  },
  {
    method: 'POST',
    path: '/api/store/proxies',
    body: {
      name: 'h1',
      type: 'http',
      http: {
        localIP: '127.0.0.2',
        localPort: 8081,
        customDomains: ['a.example'],
        enabled: false,
        requestHeaders: { set: { 'X-A': 'b' } },
        transport: { useCompression: true, bandwidthLimit: '1MB' },
        metadatas: { team: 'x' },
      },
    },
  },
  {
    method: 'POST',
    path: '/api/store/proxies',
    body: { name: 'st', type: 'stcp', stcp: { localPort: 22, secretKey: 'sk-1', allowUsers: ['*'] } },
  },
  { method: 'POST', path: '/api/store/proxies', body: { name: 's1', type: 'tcp', tcp: { localPort: 8080 } } },
  {
    method: 'POST',
    path: '/api/store/proxies',
    body: { name: 'x', type: 'udp', tcp: { localPort: 1 } },
    sameMessage: true,
  },
  { method: 'POST', path: '/api/store/proxies', body: { name: 'x', type: 'tcp' }, sameMessage: true },
  { method: 'POST', path: '/api/store/proxies', body: { name: '', type: 'tcp', tcp: {} }, sameMessage: true },
  { method: 'POST', path: '/api/store/proxies', body: { name: 'x', type: 'ftp', tcp: {} }, sameMessage: true },
  { method: 'GET', path: '/api/store/proxies/s1' },
  {
    method: 'PUT',
    path: '/api/store/proxies/s1',
    body: { name: 's2', type: 'tcp', tcp: { localPort: 8080 } },
    sameMessage: true,
  },
  { method: 'PUT', path: '/api/store/proxies/s1', body: { name: 's1', type: 'tcp', tcp: { localPort: 9090 } } },
  { method: 'GET', path: '/api/store/proxies' },
  {
    method: 'POST',
    path: '/api/store/visitors',
    body: { name: 'v1', type: 'stcp', stcp: { serverName: 'st', secretKey: 'sk-1', bindPort: 0 } },
  },
  { method: 'GET', path: '/api/store/visitors' },
  { method: 'GET', path: '/api/store/visitors/v1' },
  { method: 'DELETE', path: '/api/store/proxies/s1' },
  { method: 'DELETE', path: '/api/store/proxies/s1' },
  { method: 'GET', path: '/api/store/proxies/nope' },
  { method: 'DELETE', path: '/api/store/visitors/v1' },
  { method: 'GET', path: '/api/store/proxies' },
];

describe('interop: /api/store of frpc 0.70 and of burrow', { skip: FRP_SKIP }, () => {
  const ports = { frpc: 0, burrow: 0 };
  const dirs = { frpc: '', burrow: '' };

  before(() =>
    withLogs(async () => {
      const bindPort = await freePort();
      const serverDir = scratchDir();
      await startServer('burrow', serverDir, serverToml('burrow', serverDir, bindPort));
      for (const impl of ['frpc', 'burrow'] as const) {
        ports[impl] = await freePort();
        dirs[impl] = scratchDir();
        const extra = [
          'webServer.addr = "127.0.0.1"',
          `webServer.port = ${ports[impl]}`,
          'webServer.user = "admin"',
          'webServer.password = "store-pw"',
          'store.path = "store.json"',
        ];
        await startClient(impl, dirs[impl], clientToml(impl, bindPort, [], extra));
      }
    }),
  );

  after(async () => {
    await stopAll();
    removeScratch();
  });

  it('answers every request as frpc does', () =>
    withLogs(async () => {
      for (const step of STEPS) {
        const what = `${step.method} ${step.path} ${JSON.stringify(step.body ?? '')}`;
        const frpc = await request(ports.frpc, step.method, step.path, step.body);
        const ours = await request(ports.burrow, step.method, step.path, step.body);
        assert.equal(ours.status, frpc.status, `${what}: status (frpc said ${frpc.body}, burrow ${ours.body})`);
        if (frpc.status !== 200) {
          if (step.sameMessage) assert.equal(errorText(ours.body), errorText(frpc.body), `${what}: message`);
          continue;
        }
        if (frpc.body === '') {
          assert.equal(ours.body, '', `${what}: empty body`);
          continue;
        }
        // burrow never serves secrets (secretKey, header and meta values): frpc's answer with them removed is burrow's.
        assert.deepEqual(JSON.parse(ours.body), redactJson(JSON.parse(frpc.body)), `${what}: body`);
      }
    }));

  it('writes the same store file (entries by name; frp writes them in map order)', () => {
    const read = (impl: 'frpc' | 'burrow') => {
      const data = JSON.parse(readFileSync(path.join(dirs[impl], 'store.json'), 'utf8')) as {
        proxies?: { name: string }[];
        visitors?: { name: string }[];
      };
      const byName = (l?: { name: string }[]) => [...(l ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
      return { proxies: byName(data.proxies), visitors: byName(data.visitors) };
    };
    assert.deepEqual(read('burrow'), read('frpc'));
  });
});
