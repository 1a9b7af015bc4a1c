// ClientAdminApi, the other side of a client's admin API: status parsing, errors by status code, and HTTPS pinned to webServer.tls.certFile.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAdminServer, type AdminServer } from '../../src/admin/index.js';
import type { ClientProxyStatus, ClientView } from '../../src/observe/index.js';
import { ClientAdminApi } from '../../src/client/admin-client.js';
import type { WebServerConfig } from '../../src/config/index.js';
import { BurrowError, ErrorCode, isBurrowError } from '../../src/errors.js';
import { generateSelfSignedServerCert } from '../../src/pki/self-signed.js';

const USER = 'ops';
const PASSWORD = 'pw';

/** A client view that counts the requests that reached it. */
function countingView(): ClientView & { calls: number } {
  const statuses: ClientProxyStatus[] = [
    {
      name: 'web',
      type: 'http',
      status: 'start error',
      err: 'router config conflict',
      localAddr: '127.0.0.1:80',
      plugin: '',
      remoteAddr: '',
    },
    {
      name: 'ssh',
      type: 'tcp',
      status: 'running',
      err: '',
      localAddr: '127.0.0.1:22',
      plugin: '',
      remoteAddr: ':6022',
    },
    {
      name: 'api',
      type: 'tcp',
      status: 'wait start',
      err: '',
      localAddr: '127.0.0.1:3000',
      plugin: '',
      remoteAddr: '',
    },
  ];
  const view = {
    calls: 0,
    status: () => {
      view.calls++;
      return statuses;
    },
    configText: async () => 'serverAddr = "x"\n',
    putConfigText: async (text: string) => {
      if (text.includes('bad')) throw new BurrowError(ErrorCode.CONFIG, 'frpc.toml: serverPort: expected integer');
    },
    reload: async () => ({ added: ['new'], removed: [], changed: [] }),
  };
  return view;
}

function web(port: number, extra: Partial<WebServerConfig> = {}): WebServerConfig {
  return {
    addr: '127.0.0.1',
    port,
    user: USER,
    password: PASSWORD,
    tls: { certFile: '', keyFile: '' },
    allowUnauthenticated: false,
    ...extra,
  };
}

describe('ClientAdminApi over HTTP', () => {
  let admin: AdminServer;
  before(async () => {
    admin = await startAdminServer({ port: 0, user: USER, password: PASSWORD, view: countingView() });
  });
  after(() => admin.close());

  it('status() flattens frp shape into a list sorted by type, then name', async () => {
    const api = new ClientAdminApi(web(admin.address.port));
    const list = await api.status();
    assert.deepEqual(
      list.map((s) => [s.type, s.name, s.status]),
      [
        ['http', 'web', 'start error'],
        ['tcp', 'api', 'wait start'],
        ['tcp', 'ssh', 'running'],
      ],
    );
    assert.equal(list[0]!.err, 'router config conflict');
    assert.equal(list[2]!.remoteAddr, ':6022');
  });

  it('reload(), getConfig() and putConfig() reach their endpoints; 400 becomes CONFIG with the reason', async () => {
    const api = new ClientAdminApi(web(admin.address.port));
    assert.deepEqual((await api.reload()).added, ['new']);
    assert.equal(await api.getConfig(), 'serverAddr = "x"\n');
    await api.putConfig('serverAddr = "y"\n');
    await assert.rejects(
      api.putConfig('bad'),
      (err: unknown) => isBurrowError(err, ErrorCode.CONFIG) && /serverPort: expected integer/.test(err.message),
    );
  });

  it('wrong credentials: AUTH naming webServer.user/password; no port: CONFIG; nothing listening: NETWORK', async () => {
    await assert.rejects(
      new ClientAdminApi(web(admin.address.port, { password: 'nope' }), 'frpc.toml').status(),
      (err: unknown) =>
        isBurrowError(err, ErrorCode.AUTH) &&
        /401.*webServer\.user and webServer\.password in frpc\.toml/.test(err.message),
    );
    assert.throws(
      () => new ClientAdminApi(web(0), 'frpc.toml'),
      (err: unknown) => isBurrowError(err, ErrorCode.CONFIG) && /webServer\.port is not set/.test(err.message),
    );
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(
      new ClientAdminApi(web(port)).status(),
      (err: unknown) => isBurrowError(err, ErrorCode.NETWORK) && /is the client running/.test(err.message),
    );
  });

  it('an unspecified webServer.addr is dialled on loopback', () => {
    assert.equal(new ClientAdminApi(web(7400, { addr: '0.0.0.0' })).url, 'http://127.0.0.1:7400');
    assert.equal(new ClientAdminApi(web(7400, { addr: '::' })).url, 'http://[::1]:7400');
  });
});

describe('ClientAdminApi over HTTPS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'burrow-admin-client-'));
  let admin: AdminServer;
  let view: ReturnType<typeof countingView>;

  before(async () => {
    for (const name of ['served', 'other']) {
      const pair = await generateSelfSignedServerCert({ commonName: `admin ${name}` });
      writeFileSync(join(dir, `${name}.crt`), pair.certPem);
      writeFileSync(join(dir, `${name}.key`), pair.keyPem, { mode: 0o600 });
    }
    view = countingView();
    admin = await startAdminServer({
      port: 0,
      user: USER,
      password: PASSWORD,
      tls: { certFile: join(dir, 'served.crt'), keyFile: join(dir, 'served.key') },
      view,
    });
  });
  after(async () => {
    await admin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('talks HTTPS when the server shows the certificate of webServer.tls.certFile', async () => {
    const api = new ClientAdminApi(
      web(admin.address.port, { tls: { certFile: join(dir, 'served.crt'), keyFile: join(dir, 'served.key') } }),
    );
    assert.match(api.url, /^https:/);
    assert.equal((await api.status()).length, 3);
  });

  it('refuses another certificate before sending anything (the credentials never leave)', async () => {
    const before = view.calls;
    const api = new ClientAdminApi(
      web(admin.address.port, { tls: { certFile: join(dir, 'other.crt'), keyFile: join(dir, 'other.key') } }),
    );
    await assert.rejects(
      api.status(),
      (err: unknown) => isBurrowError(err, ErrorCode.TLS) && /refusing to send credentials/.test(err.message),
    );
    assert.equal(view.calls, before, 'no request reached the server');
  });
});
