// `burrow client` and `burrow client verify`: run or check a client from frpc.toml (reload and status are in client-admin.ts).
import type { Command } from 'commander';
import { errorMessage } from '../errors.js';
import type { ClientConfig } from '../config/index.js';
import { registerClientAdminCommands } from './client-admin.js';
import { registerClientEnrollCommands } from './enroll-commands.js';
import { ExitCode, reportError } from './exit.js';
import { printWarnings, verifyConfig } from './output.js';
import { onStopSignal } from './signals.js';
import { allowUnsafeOption } from './unsafe-option.js';

/** The config file a client reads when -c is not given (frpc reads ./frpc.toml likewise). */
export const DEFAULT_CLIENT_CONFIG = 'frpc.toml';

interface ClientFlags {
  config: string;
  logLevel?: string;
  allowUnsafe?: string[];
}

/** Adds `client` (run), `client verify`, `client reload` and `client status` to the program. */
export function registerClientCommand(program: Command): void {
  const client = allowUnsafeOption(program.command('client'))
    .description('run a burrow client (frpc): log in to a server and expose local services through it')
    .option('-c, --config <file>', 'client config file (frpc.toml)', DEFAULT_CLIENT_CONFIG)
    .option('--log-level <level>', 'trace, debug, info, warn or error (overrides log.level)')
    .action(async (flags: ClientFlags) => {
      process.exitCode = await runClient(flags);
    });

  allowUnsafeOption(client.command('verify'))
    .description('check a client config file and exit: 0 when valid, 2 with the problems otherwise')
    .requiredOption('-c, --config <file>', 'client config file (frpc.toml)')
    .action(async (flags: { config: string; allowUnsafe?: string[] }) => {
      process.exitCode = await verifyConfig(flags.config, (file) => readConfig(file, flags.allowUnsafe));
    });

  registerClientAdminCommands(client, DEFAULT_CLIENT_CONFIG);
  registerClientEnrollCommands(client);
}

// The client's modules load when a client command runs (not for `burrow client --help`).
async function readConfig(file: string, allowUnsafe: readonly string[] = []): Promise<ClientConfig> {
  const { loadClientConfig } = await import('../config/index.js');
  const loaded = await loadClientConfig(file, { allowUnsafe });
  printWarnings(loaded.warnings);
  return loaded.config;
}

async function runClient(flags: ClientFlags): Promise<number> {
  try {
    const config = await readConfig(flags.config, flags.allowUnsafe);
    const [{ loggerFromConfig }, { BurrowClient, resolveConnectOptions }] = await Promise.all([
      import('../log.js'),
      import('../client/index.js'),
    ]);
    const logger = loggerFromConfig(config.log, 'client', flags.logLevel);
    // What `connect()` does, minus the library's barrel (server, PKI, enrollment) a client does not need.
    const resolved = resolveConnectOptions(config);
    const client = new BurrowClient(resolved.config, {
      configText: resolved.text,
      logger,
      configFile: flags.config,
      allowUnsafe: flags.allowUnsafe ?? [],
    });
    await client.start();
    if (client.adminUrl) process.stderr.write(`burrow client admin API on ${client.adminUrl}\n`);
    onStopSignal(() => client.close());
    // SIGHUP: apply the config file's proxies and visitors, and re-read the TLS material;
    // both log their own failures (the running state stays as it was).
    process.on('SIGHUP', () => {
      client.reload().catch((err: unknown) => logger.debug({ err: errorMessage(err) }, 'SIGHUP reload failed'));
      client.reloadTls().catch((err: unknown) => logger.debug({ err: errorMessage(err) }, 'SIGHUP TLS reload failed'));
    });
    await new Promise<void>((resolve) => client.once('close', resolve));
    return ExitCode.OK;
  } catch (err) {
    return reportError(err);
  }
}
