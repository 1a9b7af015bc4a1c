// `burrow client` and `burrow client verify`: run or check a client from frpc.toml.
import type { Command } from 'commander';
import { connect, createLogger, loadClientConfig, type ClientConfig } from '../index.js';
import { ExitCode, reportError } from './exit.js';
import { printWarnings, verifyConfig } from './output.js';
import { onStopSignal } from './signals.js';

/** The config file a client reads when -c is not given (frpc reads ./frpc.toml likewise). */
export const DEFAULT_CLIENT_CONFIG = 'frpc.toml';

interface ClientFlags {
  config: string;
  logLevel?: string;
}

/** Adds `client` (run) and `client verify` to the program. */
export function registerClientCommand(program: Command): void {
  const client = program
    .command('client')
    .description('run a burrow client (frpc): log in to a server and expose local services through it')
    .option('-c, --config <file>', 'client config file (frpc.toml)', DEFAULT_CLIENT_CONFIG)
    .option('--log-level <level>', 'trace, debug, info, warn or error (overrides log.level)')
    .action(async (flags: ClientFlags) => {
      process.exitCode = await runClient(flags);
    });

  client
    .command('verify')
    .description('check a client config file and exit: 0 when valid, 2 with the problems otherwise')
    .requiredOption('-c, --config <file>', 'client config file (frpc.toml)')
    .action(async (flags: { config: string }) => {
      process.exitCode = await verifyConfig(flags.config, readConfig);
    });
}

async function readConfig(file: string): Promise<ClientConfig> {
  const loaded = await loadClientConfig(file);
  printWarnings(loaded.warnings);
  return loaded.config;
}

async function runClient(flags: ClientFlags): Promise<number> {
  try {
    const config = await readConfig(flags.config);
    const logger = createLogger({ level: flags.logLevel ?? config.log.level, base: { role: 'client' } });
    const client = await connect(config, { logger });
    onStopSignal(() => client.close());
    process.on('SIGHUP', () => void client.reloadTls().catch(() => undefined));
    await new Promise<void>((resolve) => client.once('close', resolve));
    return ExitCode.OK;
  } catch (err) {
    return reportError(err);
  }
}
