// The command table main.ts lists in `burrow --help` matches each command's full definition, and picks the command a command line runs.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Command, Help } from 'commander';
import { COMMANDS, commandToLoad } from '../../src/cli/commands.js';

it('each stub shows the name, term and description its full definition gives', async () => {
  for (const entry of COMMANDS) {
    const program = new Command();
    (await entry.load())(program);
    const real = program.commands.find((cmd) => cmd.name() === entry.name);
    assert.ok(real, `${entry.name}: not registered by its module`);
    assert.equal(entry.description, real.description(), entry.name);
    assert.equal(entry.term, new Help().subcommandTerm(real), entry.name);
  }
});

it('commandToLoad: the first word, or the word after help; none for -v, --help or an unknown word', () => {
  assert.equal(commandToLoad(['client', '-c', 'frpc.toml'])?.name, 'client');
  assert.equal(commandToLoad(['server', 'verify', '-c', 'x'])?.name, 'server');
  assert.equal(commandToLoad(['help', 'probe'])?.name, 'probe');
  assert.equal(commandToLoad(['--help']), undefined);
  assert.equal(commandToLoad(['-v']), undefined);
  assert.equal(commandToLoad(['nope']), undefined);
});
