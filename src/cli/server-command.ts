// `burrow server` and `burrow server verify`: run or check a server from frps.toml.
import type { Command } from 'commander';
import { createLogger, defaultServerConfig, loadServerConfig, startServer, type ServerConfig } from '../index.js';
import { ExitCode, reportError } from './exit.js';
import { printWarnings, verifyConfig } from './output.js';
import { onStopSignal } from './signals.js';

interface ServerFlags {
  config?: string;
  stateDir?: string;
  logLevel?: string;
}

/** Adds `server` (run) and `server verify` to the program. */
export function registerServerCommand(program: Command): void {
  const server = program
    .command('server')
    .description('run a burrow server (frps): accept clients on bindPort and expose their proxies')
    .option('-c, --config <file>', 'server config file (frps.toml); without it, frp defaults are used')
    .option('--state-dir <dir>', 'where the generated TLS certificate is kept (default: $XDG_STATE_HOME/burrow)')
    .option('--log-level <level>', 'trace, debug, info, warn or error (overrides log.level)')
    .action(async (flags: ServerFlags) => {
      process.exitCode = await runServer(flags);
    });

  server
    .command('verify')
    .description('check a server config file and exit: 0 when valid, 2 with the problems otherwise')
    .requiredOption('-c, --config <file>', 'server config file (frps.toml)')
    .action(async (flags: { config: string }) => {
      process.exitCode = await verifyConfig(flags.config, readConfig);
    });
}

async function readConfig(file: string | undefined): Promise<ServerConfig> {
  if (!file) return defaultServerConfig();
  const loaded = await loadServerConfig(file);
  printWarnings(loaded.warnings);
  return loaded.config;
}

async function runServer(flags: ServerFlags): Promise<number> {
  try {
    const config = await readConfig(flags.config);
    if (flags.stateDir) config.stateDir = flags.stateDir;
    const logger = createLogger({ level: flags.logLevel ?? config.log.level, base: { role: 'server' } });
    const server = await startServer(config, { logger });
    const { address, port } = server.address;
    process.stderr.write(`burrow server listening on ${address}:${port}\n`);
    process.stderr.write(`TLS certificate (${server.tls.certSource}) fingerprint ${server.tlsFingerprint}\n`);
    onStopSignal(() => server.close());
    // SIGHUP: re-read certificate, key, CA and CRL (failures are logged; the old material stays).
    process.on('SIGHUP', () => void server.reloadTls().catch(() => undefined));
    await new Promise<void>((resolve) => server.once('close', resolve));
    return ExitCode.OK;
  } catch (err) {
    return reportError(err);
  }
}
