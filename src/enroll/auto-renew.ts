// A running client's automatic renewal: checks its certificate periodically and renews it once two thirds of its lifetime passed.
import type { ClientConfig } from '../config/index.js';
import { ErrorCode, errorMessage, isBurrowError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { readTextFile } from '../pki/files.js';
import { renewalDue, renewCertificate, renewalTime } from './renew.js';

/** How often a running client looks at its certificate's age. */
export const AUTO_RENEW_CHECK_MS = 60 * 60 * 1000;

/** Pause before trying again after a failed renewal (server down, network). */
export const AUTO_RENEW_RETRY_MS = 5 * 60 * 1000;

/** Stops automatic renewal. */
export interface AutoRenewal {
  close(): void;
}

/**
 * Renews `config`'s client certificate (transport.tls.certFile) whenever it is due: checked at
 * start and every AUTO_RENEW_CHECK_MS, retried after AUTO_RENEW_RETRY_MS on network failures. A
 * refusal (the certificate was not enrolled, the identity is revoked, or the server does not do
 * enrollment and just closes) stops it, logged once. The new
 * files are picked up by the client's TLS file watch. Returns a no-op without a client certificate.
 * `config()` is read at each check, so a reloaded config is followed.
 */
export function startAutoRenewal(
  config: () => ClientConfig,
  opts: { logger?: Logger; checkMs?: number; retryMs?: number } = {},
): AutoRenewal {
  const logger = opts.logger ?? silentLogger();
  const checkMs = opts.checkMs ?? AUTO_RENEW_CHECK_MS;
  const retryMs = opts.retryMs ?? AUTO_RENEW_RETRY_MS;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const schedule = (ms: number): void => {
    if (closed) return;
    timer = setTimeout(() => void check(), ms);
    timer.unref();
  };
  const check = async (): Promise<void> => {
    const current = config();
    const certFile = current.transport.tls.certFile;
    if (!certFile) return schedule(checkMs);
    try {
      const certPem = await readTextFile(certFile, 'client certificate');
      if (!renewalDue(certPem)) return schedule(checkMs);
      logger.info(
        { certFile, dueSince: renewalTime(certPem).toISOString() },
        'client certificate renewal due; renewing',
      );
      const r = await renewCertificate(current);
      logger.info({ identity: r.identity, serial: r.serial, notAfter: r.notAfter }, 'client certificate renewed');
      schedule(checkMs);
    } catch (err) {
      // Refused (not enrolled, revoked) or not understood (a server without enrollment closes):
      // asking again will not help. Network trouble and timeouts will, later.
      if (isBurrowError(err, ErrorCode.AUTH) || isBurrowError(err, ErrorCode.UNEXPECTED_EOF)) {
        logger.warn({ err: errorMessage(err) }, 'client certificate renewal refused; automatic renewal stopped');
        return;
      }
      logger.warn({ err: errorMessage(err), retryInMs: retryMs }, 'client certificate renewal failed; will retry');
      schedule(retryMs);
    }
  };
  schedule(0);
  return {
    close(): void {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}
