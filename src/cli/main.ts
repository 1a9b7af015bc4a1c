#!/usr/bin/env node
// The `burrow` command: parses the command line and hands over to one command module.
import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError } from 'commander';
import { BURROW_VERSION } from '../version.js';
import { registerClientCommand } from './client-command.js';
import { ExitCode } from './exit.js';
import { registerProbeCommand } from './probe-command.js';
import { registerQuickstartCommand } from './quickstart-command.js';
import { registerServerCommand } from './server-command.js';
import { registerCaCommand, registerCertCommand } from './pki-commands.js';

/**
 * A tunnel relaying hundreds of MB/s allocates a buffer per socket read; that churn otherwise keeps
 * V8's incremental marking running back to back (about 1 s of CPU per GB relayed, seen with
 * --trace-gc). Without it full collections are rare single pauses of 10–20 ms at a tunnel's heap.
 */
const V8_GC_FLAGS = '--no-incremental-marking';
setFlagsFromString(V8_GC_FLAGS);

const program = new Command();
program
  .name('burrow')
  .description('A secure reverse tunnel, wire-compatible with frp: TLS by default, mTLS with one flag.')
  .version(BURROW_VERSION, '-v, --version', 'print the version')
  .showHelpAfterError()
  // `burrow server verify -c F`: options after a subcommand belong to the subcommand.
  .enablePositionalOptions()
  .exitOverride();

registerQuickstartCommand(program);
registerServerCommand(program);
registerClientCommand(program);
registerCaCommand(program);
registerCertCommand(program);
registerProbeCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version exit 0; every other parse failure is bad usage.
    process.exitCode = err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
  } else {
    throw err;
  }
}
