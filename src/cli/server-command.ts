// `burrow server` and `burrow server verify`: run or check a server from frps.toml; SIGHUP reloads, SIGTERM drains.
import type { Command } from 'commander';
import { errorMessage } from '../errors.js';
import type { ServerConfig } from '../config/index.js';
import type { Logger } from '../log.js';
import { DEFAULT_DRAIN_MS } from '../server/constants.js';
import type { BurrowServer } from '../server/index.js';
import { registerServerEnrollCommands } from './enroll-commands.js';
import { ExitCode, reportError } from './exit.js';
import { printWarnings, verifyConfig } from './output.js';
import { onStopSignal } from './signals.js';
import { allowUnsafeOption } from './unsafe-option.js';

/** Milliseconds per second, for --drain-timeout. */
const MS_PER_SECOND = 1000;

interface ServerFlags {
  config?: string;
  stateDir?: string;
  logLevel?: string;
  drainTimeout: string;
  allowUnsafe?: string[];
}

/** Adds `server` (run) and `server verify` to the program. */
export function registerServerCommand(program: Command): void {
  const server = allowUnsafeOption(program.command('server'))
    .description('run a burrow server (frps): accept clients on bindPort and expose their proxies')
    .option('-c, --config <file>', 'server config file (frps.toml); without it, frp defaults are used')
    .option('--state-dir <dir>', 'where the generated TLS certificate is kept (default: $XDG_STATE_HOME/burrow)')
    .option('--log-level <level>', 'trace, debug, info, warn or error (overrides log.level)')
    .option(
      '--drain-timeout <seconds>',
      'on SIGTERM/SIGINT, how long live user connections may run before they are cut (a second signal cuts at once)',
      String(DEFAULT_DRAIN_MS / MS_PER_SECOND),
    )
    .action(async (flags: ServerFlags) => {
      process.exitCode = await runServer(flags);
    });

  allowUnsafeOption(server.command('verify'))
    .description('check a server config file and exit: 0 when valid, 2 with the problems otherwise')
    .requiredOption('-c, --config <file>', 'server config file (frps.toml)')
    .action(async (flags: { config: string; allowUnsafe?: string[] }) => {
      process.exitCode = await verifyConfig(flags.config, (file) => readConfig(file, flags.allowUnsafe));
    });

  registerServerEnrollCommands(server);
}

// The server's modules load when a server command runs (not for `burrow server --help`).
async function readConfig(file: string | undefined, allowUnsafe: readonly string[] = []): Promise<ServerConfig> {
  const { defaultServerConfig, loadServerConfig } = await import('../config/index.js');
  if (!file) return defaultServerConfig();
  const loaded = await loadServerConfig(file, { allowUnsafe });
  printWarnings(loaded.warnings);
  return loaded.config;
}

/** --drain-timeout (seconds, as commander hands it over) in ms; undefined when it is not a number >= 0. */
function drainMs(flag: string): number | undefined {
  const seconds = Number(flag);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * MS_PER_SECOND) : undefined;
}

async function runServer(flags: ServerFlags): Promise<number> {
  try {
    const drain = drainMs(flags.drainTimeout);
    if (drain === undefined) {
      process.stderr.write(`burrow: --drain-timeout must be a number of seconds >= 0, got "${flags.drainTimeout}"\n`);
      return ExitCode.USAGE;
    }
    const config = await readConfig(flags.config, flags.allowUnsafe);
    if (flags.stateDir) config.stateDir = flags.stateDir;
    const [{ loggerFromConfig }, { BurrowServer }] = await Promise.all([
      import('../log.js'),
      import('../server/index.js'),
    ]);
    const logger = loggerFromConfig(config.log, 'server', flags.logLevel);
    const server = new BurrowServer(config, { logger });
    await server.start();
    const { address, port } = server.address;
    process.stderr.write(`burrow server listening on ${address}:${port}\n`);
    process.stderr.write(`TLS certificate (${server.tls.certSource}) fingerprint ${server.tlsFingerprint}\n`);
    if (server.adminUrl) process.stderr.write(`burrow server admin API on ${server.adminUrl}\n`);
    onStopSignal((signal) => {
      logger.info({ signal, drainMs: drain }, 'stopping: no new connections; live ones may finish');
      return server.close({ drainMs: drain });
    });
    process.on('SIGHUP', () => void reload(server, flags, logger));
    await new Promise<void>((resolve) => server.once('close', resolve));
    return ExitCode.OK;
  } catch (err) {
    return reportError(err);
  }
}

/**
 * SIGHUP: re-reads the config file and applies its [[auth.clients]] and TLS material (without a
 * file, the TLS files only). An invalid file or broken TLS material is logged, naming the file
 * and key, and the server keeps running on its previous settings.
 */
async function reload(server: BurrowServer, flags: ServerFlags, logger: Logger): Promise<void> {
  if (!flags.config) {
    // reloadTls logs its own failure.
    await server.reloadTls().catch(() => undefined);
    return;
  }
  let next: ServerConfig;
  try {
    next = await readConfig(flags.config, flags.allowUnsafe);
  } catch (err) {
    logger.error(
      { file: flags.config, err: errorMessage(err) },
      'config reload failed: the file is invalid; keeping the running settings',
    );
    return;
  }
  if (flags.stateDir) next.stateDir = flags.stateDir;
  try {
    await server.reload(next);
  } catch (err) {
    logger.error({ file: flags.config, err: errorMessage(err) }, 'config reload failed; keeping the running settings');
  }
}
