// `burrow quickstart`: one command to a working mutual-TLS tunnel on loopback.
import type { Command } from 'commander';
import { createLogger } from '../log.js';
import { startQuickstart } from '../quickstart/quickstart.js';
import { reportError } from './exit.js';
import { onStopSignal } from './signals.js';

/** Adds `quickstart` to the program. */
export function registerQuickstartCommand(program: Command): void {
  program
    .command('quickstart')
    .description(
      'make a CA and certificates, start a server and a client with mutual TLS on loopback, and expose a hello service',
    )
    .option(
      '--dir <dir>',
      'where certificates and configs go (default: a new temporary directory; reused if it holds a quickstart CA)',
    )
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'warn')
    .action(async (flags: { dir?: string; logLevel: string }) => {
      try {
        const qs = await startQuickstart({
          ...(flags.dir ? { dir: flags.dir } : {}),
          // A person reads this output, piped or not: readable lines, never JSON.
          logger: createLogger({ level: flags.logLevel, format: 'text' }),
        });
        const lines = [
          'burrow quickstart: a mutual-TLS tunnel is up on loopback.',
          '',
          `  open:   ${qs.url}`,
          `  or:     curl ${qs.url}`,
          '',
          `  files:  ${qs.dir} (CA in ca/, server.crt/.key, client.crt/.key)`,
          '  the same tunnel as two processes:',
          `          burrow server -c ${qs.serverConfigFile}`,
          `          burrow client -c ${qs.clientConfigFile}`,
          '',
          'Ctrl-C stops it.',
          '',
        ];
        process.stdout.write(lines.join('\n'));
        onStopSignal(() => qs.close());
      } catch (err) {
        process.exitCode = reportError(err);
      }
    });
}
