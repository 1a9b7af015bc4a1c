// Client helpers: the visitor's target proxy name and the PROXY protocol header rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { proxyProtocolHeader } from '../../src/client/proxy-worker.js';
import { visitorTargetName } from '../../src/client/visitor.js';
import { decodeProxyHeader } from '../../src/net/proxy-protocol.js';

describe('visitorTargetName', () => {
  it('prefixes serverUser, else the own user, else nothing (frp BuildTargetServerProxyName)', () => {
    assert.equal(visitorTargetName('bob', 'alice', 'db'), 'alice.db');
    assert.equal(visitorTargetName('bob', '', 'db'), 'bob.db');
    assert.equal(visitorTargetName('', '', 'db'), 'db');
  });
});

describe('proxyProtocolHeader', () => {
  it('is written only when a version is set and StartWorkConn has a source', () => {
    assert.equal(proxyProtocolHeader('', { src_addr: '1.2.3.4', src_port: 5 }), undefined);
    assert.equal(proxyProtocolHeader('v2', { proxy_name: 'x' }), undefined);
    const v1 = proxyProtocolHeader('v1', { src_addr: '1.2.3.4', src_port: 5, dst_addr: '5.6.7.8', dst_port: 80 });
    assert.equal(v1?.toString(), 'PROXY TCP4 1.2.3.4 5.6.7.8 5 80\r\n');
    const v2 = decodeProxyHeader(proxyProtocolHeader('v2', { src_addr: '1.2.3.4', src_port: 5 })!);
    assert.equal(v2?.srcAddr, '1.2.3.4');
    assert.equal(v2?.dstAddr, '0.0.0.0', 'no destination (http vhost): the unspecified address');
  });
});
