// Server reload helpers: which changed keys need a restart, and what a reload applies.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultServerConfig } from '../../src/config/index.js';
import { applyReloadable, keysNeedingRestart } from '../../src/server/reload.js';

describe('server reload', () => {
  it('lists changed keys outside [[auth.clients]], transport.tls and stateDir', () => {
    const current = defaultServerConfig();
    const next = structuredClone(current);
    next.bindPort = 7001;
    next.auth.token = 'new';
    next.transport.tcpMux = false;
    next.auth.clients = [{ id: 'alice', allowProxies: [], allowPorts: [], allowDomains: [] }];
    next.transport.tls.crlFile = '/etc/burrow/crl.pem';
    next.stateDir = '/var/lib/burrow';
    assert.deepEqual(keysNeedingRestart(current, next), ['auth.token', 'bindPort', 'transport.tcpMux']);
    assert.deepEqual(keysNeedingRestart(current, structuredClone(current)), []);
  });

  it('applies only the reloadable parts', () => {
    const current = defaultServerConfig();
    const next = structuredClone(current);
    next.bindPort = 7001;
    next.auth.clients = [{ id: 'bob', allowProxies: ['web'], allowPorts: [], allowDomains: [] }];
    next.transport.tls.trustedCaFile = '/ca.crt';
    const applied = applyReloadable(current, next);
    assert.equal(applied.bindPort, current.bindPort);
    assert.deepEqual(applied.auth.clients, next.auth.clients);
    assert.equal(applied.transport.tls.trustedCaFile, '/ca.crt');
    assert.equal(applied.transport.tcpMux, current.transport.tcpMux);
  });
});
