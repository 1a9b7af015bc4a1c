// ProxyRegistry: refusals before any proxy is made (shutting down, empty name, identity policy).
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { defaultServerConfig } from '../../src/config/index.js';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { BurrowMetrics } from '../../src/observe/index.js';
import { ServerControl, type ControlHost } from '../../src/server/control.js';
import { ServerRefusal } from '../../src/server/handshakes.js';
import { IdentityPolicy } from '../../src/server/policy.js';
import { VisitorTargets } from '../../src/server/proxies/stcp.js';
import { ProxyLedger } from '../../src/server/proxy-ledger.js';
import { ProxyRegistry } from '../../src/server/proxy-registry.js';
import { HttpsVhost, HttpVhost } from '../../src/server/vhost/index.js';
import { TcpmuxVhost } from '../../src/server/tcpmux/index.js';
import type { ControlChannel } from '../../src/wire/index.js';

const config = defaultServerConfig();
const host: ControlHost = {
  config,
  registerProxy: () => Promise.reject(new Error('not used')),
  proxyStarted: () => undefined,
  unregisterProxy: () => undefined,
};

function control(): ServerControl {
  const channel: ControlChannel = {
    version: 'v2',
    algorithm: 'aes-256-gcm',
    stream: new PassThrough(),
    read: () => new Promise(() => undefined),
    write: () => true,
  };
  const login = { version: '0.70.0', user: '', run_id: 'r1' };
  return new ServerControl(
    'r1',
    login,
    { remoteAddress: '127.0.0.1:5000' },
    channel,
    Buffer.alloc(16),
    host,
    silentLogger(),
  );
}

function registry(closing: boolean, policy = new IdentityPolicy([])): ProxyRegistry {
  const logger = silentLogger();
  return new ProxyRegistry(
    {
      config: () => config,
      policy: () => policy,
      closing: () => closing,
      ledger: new ProxyLedger(new BurrowMetrics()),
      httpVhost: new HttpVhost(logger),
      httpsVhost: new HttpsVhost(logger),
      tcpmuxVhost: new TcpmuxVhost(logger),
      visitorTargets: new VisitorTargets(),
    },
    '127.0.0.1',
    config.allowPorts,
  );
}

function refused(reason: RegExp): (err: unknown) => boolean {
  return (err) => isBurrowError(err, ErrorCode.PROXY_REFUSED) && reason.test(err.message);
}

describe('ProxyRegistry', () => {
  it('refuses every proxy once the server is shutting down', () => {
    assert.throws(
      () => registry(true).register(control(), { proxy_name: 'web', proxy_type: 'tcp', remote_port: 0 }),
      refused(new RegExp(ServerRefusal.shuttingDown)),
    );
  });

  it('refuses a proxy without a name', () => {
    assert.throws(() => registry(false).register(control(), { proxy_type: 'tcp' }), refused(/proxy name is empty/));
  });
});
