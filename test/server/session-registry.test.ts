// SessionRegistry: run ids filed, replaced on re-login, kept from other certificates, removed once, client_id uniqueness.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { defaultServerConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { ServerControl, type ControlHost, type PeerInfo } from '../../src/server/control.js';
import { SessionRegistry } from '../../src/server/session-registry.js';
import type { PeerIdentity } from '../../src/tls/index.js';
import type { ControlChannel } from '../../src/wire/index.js';

const host: ControlHost = {
  config: defaultServerConfig(),
  registerProxy: () => Promise.reject(new Error('not used')),
  proxyStarted: () => undefined,
  unregisterProxy: () => undefined,
};

/** A peer presenting a client certificate of this fingerprint (none when undefined). */
function peer(fingerprint?: string): PeerInfo {
  if (fingerprint === undefined) return { remoteAddress: '127.0.0.1:5000' };
  const identity: PeerIdentity = {
    cn: 'c',
    dns: [],
    ips: [],
    uris: [],
    emails: [],
    fingerprint,
    subject: 'CN=c',
    issuer: 'CN=ca',
    validTo: new Date().toISOString(),
  };
  return { remoteAddress: '127.0.0.1:5000', tls: { version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', identity } };
}

/** A control over a stream that goes nowhere (never started). */
function control(runId: string, p: PeerInfo = peer(), clientId = ''): ServerControl {
  const channel: ControlChannel = {
    version: 'v2',
    algorithm: 'aes-256-gcm',
    stream: new PassThrough(),
    read: () => new Promise(() => undefined),
    write: () => true,
  };
  const login = { version: '0.70.0', user: 'alice', client_id: clientId, run_id: runId };
  return new ServerControl(runId, login, p, channel, Buffer.alloc(16), host, silentLogger());
}

describe('SessionRegistry', () => {
  it('files a session by run id and replaces it on a re-login, closing the previous one', () => {
    const sessions = new SessionRegistry(silentLogger());
    const first = control('r1');
    sessions.register(first);
    assert.equal(sessions.live('r1'), first);
    assert.deepEqual(sessions.runIds(), ['r1']);
    const second = control('r1');
    sessions.register(second);
    assert.equal(first.isClosed, true);
    assert.equal(sessions.get('r1'), second);
    assert.equal(sessions.remove(first, Date.now()), false, 'a replaced session is not the filed one');
    assert.equal(sessions.remove(second, Date.now()), true);
    assert.equal(sessions.get('r1'), undefined);
    assert.deepEqual([...sessions.values()], []);
  });

  it('a closed session is not live; a live one is held against another certificate only', () => {
    const sessions = new SessionRegistry(silentLogger());
    const c = control('r1', peer('sha256:aa'));
    sessions.register(c);
    assert.equal(sessions.heldByOtherIdentity('r1', peer('sha256:bb')), true);
    assert.equal(sessions.heldByOtherIdentity('r1', peer('sha256:aa')), false);
    assert.equal(sessions.heldByOtherIdentity('r2', peer('sha256:bb')), false);
    assert.equal(sessions.provenLive('r1'), false);
    c.close();
    assert.equal(sessions.live('r1'), undefined);
    assert.equal(sessions.heldByOtherIdentity('r1', peer('sha256:bb')), false);
  });

  it('a client_id is in use only under another run id of the same user', () => {
    const sessions = new SessionRegistry(silentLogger());
    sessions.register(control('r1', peer(), 'laptop'));
    assert.equal(sessions.clientIdInUse('r2', 'alice', 'laptop'), true);
    assert.equal(sessions.clientIdInUse('r1', 'alice', 'laptop'), false);
    assert.equal(sessions.clientIdInUse('r2', 'bob', 'laptop'), false);
  });

  it('each registry has its own login-proof guard', () => {
    assert.notEqual(new SessionRegistry(silentLogger()).guard, new SessionRegistry(silentLogger()).guard);
  });
});
