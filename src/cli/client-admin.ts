// `burrow client reload` and `burrow client status`: ask a running client's admin API (named by the config's [webServer]), as `frpc reload` / `frpc status` do.
import type { Command } from 'commander';
import type { ClientProxyStatus } from '../observe/index.js';
import type { ClientAdminApi } from '../client/index.js';
import { ExitCode, reportError } from './exit.js';
import { allowUnsafeOption } from './unsafe-option.js';

/** Column headings of `burrow client status`. */
const STATUS_COLUMNS = ['NAME', 'TYPE', 'STATUS', 'LOCAL ADDR', 'REMOTE ADDR', 'ERROR'] as const;

/** Spaces between two columns of the table. */
const COLUMN_GAP = 2;

/** The flags of `reload` and `status`: the config names the admin API (its tokenSource may need --allow-unsafe). */
interface AdminFlags {
  config: string;
  allowUnsafe?: string[];
}

/** Adds `client reload` and `client status` under the `client` command. */
export function registerClientAdminCommands(client: Command, defaultConfig: string): void {
  allowUnsafeOption(client.command('reload'))
    .description(
      "make a running client re-read its config: proxies added, removed or changed are applied, the others keep running (uses the client's admin API, [webServer])",
    )
    .option('-c, --config <file>', 'the config file the running client uses', defaultConfig)
    .action(async (flags: AdminFlags) => {
      process.exitCode = await runReload(flags);
    });

  allowUnsafeOption(client.command('status'))
    .description(
      "print the proxies of a running client and where each stands (uses the client's admin API, [webServer])",
    )
    .option('-c, --config <file>', 'the config file the running client uses', defaultConfig)
    .action(async (flags: AdminFlags) => {
      process.exitCode = await runStatus(flags);
    });
}

/** The admin API the config file names; its warnings are the running client's business, not printed again. */
async function adminApi(flags: AdminFlags): Promise<ClientAdminApi> {
  // Loaded here, when `reload` or `status` runs.
  const [{ loadClientConfig }, { ClientAdminApi }] = await Promise.all([
    import('../config/index.js'),
    import('../client/index.js'),
  ]);
  const { config } = await loadClientConfig(flags.config, { allowUnsafe: flags.allowUnsafe ?? [] });
  return new ClientAdminApi(config.webServer, flags.config);
}

async function runReload(flags: AdminFlags): Promise<number> {
  try {
    const result = await (await adminApi(flags)).reload();
    const parts = [
      ['added', result.added],
      ['removed', result.removed],
      ['changed', result.changed],
    ] as const;
    const summary = parts
      .map(([what, names]) => `${what}: ${names && names.length > 0 ? names.join(', ') : '-'}`)
      .join('; ');
    process.stdout.write(`reload success (${summary})\n`);
    for (const error of result.errors ?? []) process.stderr.write(`burrow: warning: ${error}\n`);
    if (result.restartRequired && result.restartRequired.length > 0) {
      process.stderr.write(
        `burrow: warning: not applied until the client restarts: ${result.restartRequired.join(', ')}\n`,
      );
    }
    return ExitCode.OK;
  } catch (err) {
    return reportError(err);
  }
}

async function runStatus(flags: AdminFlags): Promise<number> {
  try {
    const statuses = await (await adminApi(flags)).status();
    process.stdout.write(formatStatusTable(statuses));
    return ExitCode.OK;
  } catch (err) {
    return reportError(err);
  }
}

/** The proxies as an aligned text table, one row each, or a line saying there are none. */
export function formatStatusTable(statuses: readonly ClientProxyStatus[]): string {
  if (statuses.length === 0) return 'no proxies\n';
  const rows = statuses.map((s) => [s.name, s.type, s.status, s.localAddr, s.remoteAddr, s.err]);
  const all = [[...STATUS_COLUMNS], ...rows];
  const widths = STATUS_COLUMNS.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all
    .map(
      (row) =>
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + COLUMN_GAP)))
          .join('')
          .trimEnd() + '\n',
    )
    .join('');
}
