// ProxySet's health transitions on a stand-in session: NewProxy only after a passing check, CloseProxy and 'check-failed'
// after a failure, a late NewProxyResp ignored, NewProxy again on recovery; a proxy without a check is announced at once.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ClientControl } from '../../../src/client/control.js';
import { ProxySet } from '../../../src/client/proxy-set.js';
import type { ProxyWorker } from '../../../src/client/proxy-worker.js';
import { parseClientConfig, type ProxyConfig } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/log.js';

/** Longest wait for one transition (checks run every second). */
const TRANSITION_TIMEOUT_MS = 5_000;
const POLL_MS = 20;

function proxyConfig(port: number, check: string[]): ProxyConfig {
  const text = ['[[proxies]]', 'name = "p"', 'type = "tcp"', `localPort = ${port}`, ...check].join('\n');
  return parseClientConfig(text, 'frpc.toml', { env: {} }).config.proxies[0]!;
}

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + TRANSITION_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

describe('ProxySet health transitions', () => {
  let server: net.Server | undefined;
  let port = 0;
  const sent: string[] = [];
  const changed: string[] = [];
  const session = {
    sendNewProxy(worker: ProxyWorker) {
      worker.phase = 'wait-start';
      sent.push('NewProxy');
    },
    closeProxy() {
      sent.push('CloseProxy');
    },
  };
  const set = new ProxySet({
    user: '',
    encryptionKey: Buffer.alloc(16),
    udpPacketSize: 1500,
    logger: silentLogger(),
    session: () => session as unknown as ClientControl,
    changed: (worker) => changed.push(worker.phase),
  });

  const listen = async (): Promise<void> => {
    const s = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
    port = (s.address() as net.AddressInfo).port;
    server = s;
  };
  const unlisten = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (s) await new Promise((resolve) => s.close(resolve));
  };

  before(listen);
  after(async () => {
    set.closeAll();
    await unlisten();
  });

  it('announces after the first success, withdraws after a failure, ignores a late answer, announces again', async () => {
    const worker = set.add(proxyConfig(port, ['healthCheck.type = "tcp"', 'healthCheck.intervalSeconds = 1']));
    assert.deepEqual(sent, [], 'nothing is sent before a check passed');
    assert.equal(worker.healthy, false);
    await until('the first NewProxy', () => sent.length === 1);
    assert.equal(worker.onResponse('127.0.0.1:6000', undefined), true);
    assert.equal(worker.phase, 'running');

    await unlisten();
    await until('CloseProxy', () => sent.length === 2);
    assert.deepEqual(sent, ['NewProxy', 'CloseProxy']);
    assert.equal(worker.phase, 'check-failed');
    assert.match(worker.lastError, /^health check failed: dial 127\.0\.0\.1:\d+: /);
    assert.ok(changed.includes('check-failed'));
    assert.equal(worker.onResponse('127.0.0.1:6000', undefined), false, 'a late NewProxyResp is ignored');
    assert.equal(worker.phase, 'check-failed');

    await listen();
    await until('NewProxy again', () => sent.length === 3);
    assert.deepEqual(sent, ['NewProxy', 'CloseProxy', 'NewProxy']);
    assert.equal(worker.phase, 'wait-start');
    set.remove(worker);
  });

  it('a proxy without a healthCheck is announced when added', () => {
    sent.length = 0;
    const worker = set.add(proxyConfig(port, []));
    assert.equal(worker.healthy, true);
    assert.deepEqual(sent, ['NewProxy']);
    set.remove(worker);
  });
});
