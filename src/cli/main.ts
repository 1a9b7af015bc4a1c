#!/usr/bin/env node
// The `burrow` command: parses the command line and loads only the one command module it runs.
import { setFlagsFromString } from 'node:v8';
import { BURROW_VERSION } from '../version.js';

/**
 * A tunnel relaying hundreds of MB/s allocates a buffer per socket read; that churn otherwise keeps
 * V8's incremental marking running back to back (about 1 s of CPU per GB relayed, seen with
 * --trace-gc). Without it full collections are rare single pauses of 10–20 ms at a tunnel's heap.
 */
const V8_GC_FLAGS = '--no-incremental-marking';
setFlagsFromString(V8_GC_FLAGS);

/** The program's own version flags; commander prints the same line, this path just skips loading it. */
const VERSION_FLAGS = ['-v', '--version'];
const args = process.argv.slice(2);
if (args.length === 1 && VERSION_FLAGS.includes(args[0]!)) {
  process.stdout.write(`${BURROW_VERSION}\n`);
} else {
  await runProgram(args);
}

async function runProgram(args: string[]): Promise<void> {
  const [{ Command, CommanderError, Help }, { COMMANDS, commandToLoad }, { ExitCode }] = await Promise.all([
    import('commander'),
    import('./commands.js'),
    import('./exit.js'),
  ]);

  const program = new Command();
  program
    .name('burrow')
    .description('A secure reverse tunnel, wire-compatible with frp: TLS by default, mTLS with one flag.')
    .version(BURROW_VERSION, '-v, --version', 'print the version')
    .showHelpAfterError()
    // `burrow server verify -c F`: options after a subcommand belong to the subcommand.
    .enablePositionalOptions()
    .exitOverride()
    // The command list shows each command as its real definition would, stubs included.
    .configureHelp({
      subcommandTerm: (cmd) => COMMANDS.find((c) => c.name === cmd.name())?.term ?? new Help().subcommandTerm(cmd),
    });

  // The command being run is registered in full (its modules load now); the others are a name and a
  // description, enough for `burrow --help` and for "unknown command" errors, and load nothing.
  const chosen = commandToLoad(args);
  for (const entry of COMMANDS) {
    if (entry === chosen) (await entry.load())(program);
    else program.command(entry.name).description(entry.description);
  }

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
}
