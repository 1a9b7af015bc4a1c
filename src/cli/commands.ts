// The table of burrow's commands: name and help line up front, the module that defines each loaded on demand.
import type { Command } from 'commander';

/** One top-level command: enough to list it in `burrow --help`, and how to load its definition. */
export interface CommandEntry {
  name: string;
  /** How `burrow --help` shows it, as commander would from the full definition. */
  term: string;
  /** The same line the full definition gives (a test keeps the two equal). */
  description: string;
  /** Imports the command's module and returns its register function. */
  load: () => Promise<(program: Command) => void>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'quickstart',
    term: 'quickstart [options]',
    description:
      'make a CA and certificates, start a server and a client with mutual TLS on loopback, and expose a hello service',
    load: async () => (await import('./quickstart-command.js')).registerQuickstartCommand,
  },
  {
    name: 'server',
    term: 'server [options]',
    description: 'run a burrow server (frps): accept clients on bindPort and expose their proxies',
    load: async () => (await import('./server-command.js')).registerServerCommand,
  },
  {
    name: 'client',
    term: 'client [options]',
    description: 'run a burrow client (frpc): log in to a server and expose local services through it',
    load: async () => (await import('./client-command.js')).registerClientCommand,
  },
  {
    name: 'ca',
    term: 'ca',
    description: 'create and run a certificate authority for burrow servers and clients',
    load: async () => (await import('./ca-command.js')).registerCaCommand,
  },
  {
    name: 'cert',
    term: 'cert',
    description: 'issue, inspect and verify certificates',
    load: async () => (await import('./cert-command.js')).registerCertCommand,
  },
  {
    name: 'config',
    term: 'config',
    description: 'work with config files: convert frp INI/YAML/JSON to TOML',
    load: async () => (await import('./config-command.js')).registerConfigCommand,
  },
  {
    name: 'probe',
    term: 'probe [options] <address>',
    description:
      'TLS handshake with HOST:PORT: print version, cipher, ALPN, the peer chain and the verification result',
    load: async () => (await import('./probe-command.js')).registerProbeCommand,
  },
];

/**
 * The command a command line runs: its first word that is not an option (the program's own options,
 * -v and -h, take no value), or the word after `help`. Undefined for `burrow --help`, `burrow -v`,
 * or an unknown word (commander then reports it with the list of commands).
 */
export function commandToLoad(args: readonly string[]): CommandEntry | undefined {
  const words = args.filter((arg) => !arg.startsWith('-'));
  const word = words[0] === 'help' ? words[1] : words[0];
  return COMMANDS.find((entry) => entry.name === word);
}
