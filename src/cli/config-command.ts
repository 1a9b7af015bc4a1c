// `burrow config convert FILE`: print a config file (frp's legacy INI, YAML, JSON or TOML) as v1 TOML.
import type { Command } from 'commander';
import { ExitCode, reportError } from './exit.js';
import { printWarnings } from './output.js';

interface ConvertFlags {
  server?: boolean;
  client?: boolean;
}

/** Adds `config` and `config convert` to the program. */
export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('work with config files: convert frp INI/YAML/JSON to TOML');
  config
    .command('convert')
    .description('print FILE (frp legacy INI, YAML, JSON or TOML) as TOML with frp v1 keys; warnings go to stderr')
    .argument('<file>', 'the config file to convert')
    .option('--server', 'FILE is a server config (frps); default: guessed from its name and keys')
    .option('--client', 'FILE is a client config (frpc); default: guessed from its name and keys')
    .action(async (file: string, flags: ConvertFlags) => {
      process.exitCode = await runConvert(file, flags);
    });
}

async function runConvert(file: string, flags: ConvertFlags): Promise<number> {
  if (flags.server && flags.client) {
    process.stderr.write('burrow: config convert: --server and --client exclude each other\n');
    return ExitCode.USAGE;
  }
  try {
    const { convertConfigFile } = await import('../config/convert.js');
    const role = flags.server ? 'server' : flags.client ? 'client' : undefined;
    const converted = await convertConfigFile(file, role === undefined ? {} : { role });
    printWarnings(converted.warnings);
    process.stdout.write(
      `# ${converted.role === 'server' ? 'frps' : 'frpc'} config converted from ${file} by burrow\n`,
    );
    process.stdout.write(converted.toml);
    return ExitCode.OK;
  } catch (err) {
    return reportError(err);
  }
}
