// Builds a server's enrollment service from its config: finds and checks the CA set-up, then starts the service.
import type { ServerConfig } from '../config/index.js';
import { silentLogger, type Logger } from '../log.js';
import { inspectServerSetup } from './server-setup.js';
import { EnrollService } from './service.js';

/** Options of createEnrollService beyond the server config. */
export interface CreateEnrollServiceOptions {
  logger?: Logger;
  /** Overrides the CA directory search (see findCaDir). */
  caDir?: string;
  caPassphrase?: string;
}

/**
 * The enrollment service of a server: finds the CA directory (see findCaDir), checks the set-up
 * (see inspectServerSetup) and starts watching the enrollment files. When the set-up is not ready
 * the service is disabled: the reason is logged here, and requests get 503.
 */
export async function createEnrollService(
  config: ServerConfig,
  opts: CreateEnrollServiceOptions = {},
): Promise<EnrollService> {
  const logger = opts.logger ?? silentLogger();
  const setup = await inspectServerSetup(config, opts.caDir);
  const ready = setup.caDir !== undefined && setup.problems.length === 0;
  const service = new EnrollService({
    ...(ready ? { caDir: setup.caDir } : { disabledReason: setup.problems.join('; ') }),
    authToken: config.auth.token,
    tcpMux: config.transport.tcpMux,
    ...(opts.caPassphrase !== undefined ? { caPassphrase: opts.caPassphrase } : {}),
    logger,
  });
  if (ready) {
    logger.info(
      { caDir: setup.caDir, found: setup.caDirSource, caFingerprint: setup.caFingerprint },
      'enrollment enabled',
    );
    for (const note of setup.notes) logger.warn({ caDir: setup.caDir }, note);
  } else if (setup.caDir !== undefined) {
    logger.warn({ caDir: setup.caDir, problems: setup.problems }, 'enrollment disabled');
  } else {
    logger.debug({ reason: setup.problems[0] }, 'enrollment disabled');
  }
  await service.start();
  return service;
}
