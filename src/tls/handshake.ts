// Waits for a TLS handshake to finish, with a deadline, a post-handshake check and precise errors.
import type * as tls from 'node:tls';
import { BurrowError, ErrorCode } from '../errors.js';
import { tlsError } from './tls-errors.js';

export interface HandshakeWait {
  /** 'secureConnect' on the client side, 'secure' on a server-side TLSSocket. */
  event: 'secure' | 'secureConnect';
  timeoutMs: number;
  /** Whose certificate a verification error is about, e.g. "server certificate". */
  peerCertificate: string;
  /** Who hung up, when the connection closes mid-handshake: "server" or "client". */
  peer: string;
  /** Name checked against the peer certificate (for mismatch messages). */
  name?: string;
  /** Runs once the handshake is done; a returned error refuses the connection. */
  check?: () => BurrowError | undefined;
}

/**
 * Resolves with `socket` once the handshake completed and `check` passed. Otherwise destroys the
 * socket and rejects with BurrowError(TLS) naming the reason, or TIMEOUT past the deadline.
 */
export function awaitHandshake(socket: tls.TLSSocket, wait: HandshakeWait): Promise<tls.TLSSocket> {
  return new Promise<tls.TLSSocket>((resolve, reject) => {
    const fail = (err: BurrowError): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const onError = (err: Error): void => fail(tlsError(err, wait.peerCertificate, wait.name));
    const onClose = (): void =>
      fail(new BurrowError(ErrorCode.TLS, `TLS handshake failed: the ${wait.peer} closed the connection`));
    const onSecure = (): void => {
      const refusal = wait.check?.();
      if (refusal) {
        fail(refusal);
        return;
      }
      cleanup();
      resolve(socket);
    };
    const timer = setTimeout(
      () => fail(new BurrowError(ErrorCode.TIMEOUT, `TLS handshake did not complete within ${wait.timeoutMs} ms`)),
      wait.timeoutMs,
    );
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off(wait.event, onSecure);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.off('end', onClose);
    };
    socket.once(wait.event, onSecure);
    socket.once('error', onError);
    socket.once('close', onClose);
    // A FIN mid-handshake: on an allowHalfOpen socket 'close' would only come at the deadline, holding a pending slot.
    socket.once('end', onClose);
  });
}
