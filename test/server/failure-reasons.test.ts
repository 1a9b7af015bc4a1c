// Handshake failure reasons: every error maps into a small fixed set of metric labels.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BurrowError, ErrorCode } from '../../src/errors.js';
import { handshakeReason } from '../../src/server/failure-reasons.js';
import { tlsError } from '../../src/tls/index.js';

/** A Node-style error with an OpenSSL code. */
function nodeError(code: string): Error {
  return Object.assign(new Error(code), { code });
}

describe('handshakeReason', () => {
  it('names TLS failures by their OpenSSL code group', () => {
    assert.equal(handshakeReason(tlsError(nodeError('CERT_REVOKED'), 'client certificate')), 'tls_cert_revoked');
    assert.equal(
      handshakeReason(tlsError(nodeError('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'client certificate')),
      'tls_cert_untrusted',
    );
    assert.equal(handshakeReason(tlsError(nodeError('CERT_HAS_EXPIRED'), 'client certificate')), 'tls_cert_expired');
    assert.equal(
      handshakeReason(tlsError(nodeError('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE'), 'client certificate')),
      'tls_no_client_cert',
    );
    assert.equal(handshakeReason(tlsError(nodeError('ERR_SSL_SOMETHING_NEW'), 'client certificate')), 'tls_handshake');
    assert.equal(handshakeReason(new BurrowError(ErrorCode.TLS, 'the client closed the connection')), 'tls_handshake');
  });

  it('names other failures by their error code', () => {
    assert.equal(handshakeReason(new BurrowError(ErrorCode.TLS_REQUIRED, 'plain')), 'tls_required');
    assert.equal(handshakeReason(new BurrowError(ErrorCode.TIMEOUT, 'late')), 'timeout');
    assert.equal(handshakeReason(new BurrowError(ErrorCode.UNEXPECTED_EOF, 'gone')), 'unexpected_eof');
    assert.equal(handshakeReason(new Error('anything a peer can make us say')), 'internal');
  });

  it('stays within a bounded set whatever the message says', () => {
    const reasons = new Set<string>();
    for (let i = 0; i < 100; i += 1) {
      reasons.add(handshakeReason(new BurrowError(ErrorCode.TLS, `random ${i}`, { cause: nodeError(`ERR_X_${i}`) })));
      reasons.add(handshakeReason(new BurrowError(ErrorCode.PROTOCOL, `random ${i}`)));
    }
    assert.deepEqual([...reasons].sort(), ['protocol', 'tls_handshake']);
  });
});
