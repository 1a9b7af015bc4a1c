// Enrollment commands: `server token create|clients|revoke` and `client join|renew` (actions in enroll-server.ts / enroll-client.ts).
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_ENROLL_CERT_DAYS, DEFAULT_TOKEN_TTL_MS } from '../enroll/constants.js';
import { formatDuration } from '../enroll/duration.js';
import type { JoinFlags } from './enroll-client.js';
import type { AdminFlags, TokenCreateFlags } from './enroll-server.js';
import { parseDaysOption, run } from './run.js';

// The actions' modules (enrollment, PKI) load when one of these commands runs, not with `burrow server` or `burrow client`.
const serverSide = (): Promise<typeof import('./enroll-server.js')> => import('./enroll-server.js');
const clientSide = (): Promise<typeof import('./enroll-client.js')> => import('./enroll-client.js');

/** The client config `client renew` reads when -c is not given (as `burrow client`). */
const DEFAULT_CLIENT_CONFIG = 'frpc.toml';

/** Collects a repeatable option into a list. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The options every server-side enrollment command shares. */
function adminOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'server config file (frps.toml): finds the CA directory and the CRL file')
    .option(
      '--ca-dir <dir>',
      'the CA directory (default: transport.tls.caDir, else the directory of transport.tls.trustedCaFile, else <stateDir>/ca)',
    )
    .option(
      '--state-dir <dir>',
      'the server state directory (default: stateDir of the config, else $XDG_STATE_HOME/burrow)',
    );
}

/** Adds `token create`, `clients` and `revoke` under the `server` command. */
export function registerServerEnrollCommands(serverCommand: Command): void {
  const token = serverCommand
    .command('token')
    .description('one-time enrollment tokens: a client joins with one and gets its own certificate');
  adminOptions(
    token
      .command('create')
      .description(
        'create a one-time enrollment token for an identity and print the `burrow client join` command (works offline; a running server reads it at the next attempt)',
      ),
  )
    .requiredOption(
      '--id <identity>',
      'the identity to enroll: the client certificate CN, what [[auth.clients]] policies match',
    )
    .option(
      '--ttl <duration>',
      'how long the token may be used: 90s, 15m, 2h, 7d',
      formatDuration(DEFAULT_TOKEN_TTL_MS),
    )
    .option(
      '--allow-proxies <globs>',
      'proxy names it may open (globs, comma-separated or repeated); default any',
      collect,
    )
    .option(
      '--allow-ports <ports>',
      'remote ports it may use: 6000-6010,7000 (repeatable); default any the server allows',
      collect,
    )
    .option('--allow-domains <globs>', 'domains it may serve (globs); default any', collect)
    .option(
      '--cert-days <n>',
      'validity of its certificate in days (renewed after two thirds)',
      parseDaysOption,
      DEFAULT_ENROLL_CERT_DAYS,
    )
    .option(
      '--server-addr <host[:port]>',
      'the address clients dial, for the printed command (default: bindAddr, else the server certificate name)',
    )
    .option('--json', 'print the token and join command as JSON')
    .action(async (flags: TokenCreateFlags) => {
      process.exitCode = await run(async () => (await serverSide()).tokenCreate(flags));
    });

  adminOptions(
    serverCommand
      .command('clients')
      .description('list the enrolled identities: status, certificate expiry, last seen, allowances'),
  )
    .option('--json', 'print JSON')
    .action(async (flags: AdminFlags & { json?: boolean }) => {
      process.exitCode = await run(async () => (await serverSide()).listClients(flags));
    });

  adminOptions(
    serverCommand
      .command('revoke')
      .description(
        'revoke an enrolled identity: its certificates go into the CRL (the server reloads it and closes its sessions), it can no longer renew, its unused tokens are cancelled',
      )
      .argument('<identity>', 'the enrolled identity (see `burrow server clients`)'),
  )
    .option('--key-passphrase-file <file>', 'file whose first line is the passphrase of an encrypted CA key')
    .action(async (identity: string, flags: AdminFlags & { keyPassphraseFile?: string }) => {
      process.exitCode = await run(async () => (await serverSide()).revokeClient(identity, flags));
    });
}

/** Commander parser for the join address: HOST:PORT, checked later with a precise message. */
function serverArgument(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected HOST:PORT');
  return value;
}

/** Adds `join` and `renew` under the `client` command. */
export function registerClientEnrollCommands(clientCommand: Command): void {
  clientCommand
    .command('join')
    .description(
      'enroll with a server: pin its CA by fingerprint, generate a key here, get a certificate with a one-time token, write a ready frpc.toml',
    )
    .argument('<server>', "the server's HOST:PORT (its bindPort)", serverArgument)
    .option(
      '--token <token>',
      'the one-time token from `burrow server token create`; "-" reads it from stdin (a value here is visible in ps: prefer "-" or --token-file)',
    )
    .option(
      '--token-file <file>',
      'read the one-time token from the first line of this file (kept out of ps and shell history)',
    )
    .requiredOption('--fingerprint <sha256>', "the server CA's fingerprint, sha256:… (printed with the token)")
    .option('--dir <dir>', 'where to write client.key, client.crt, ca.crt and frpc.toml', '.')
    .option(
      '--server-name <name>',
      'the name to check the server certificate against when SERVER is an address it does not hold',
    )
    .option('--force', 'replace existing files in --dir')
    .action(async (server: string, flags: JoinFlags) => {
      process.exitCode = await run(async () => (await clientSide()).join(server, flags));
    });

  clientCommand
    .command('renew')
    .description(
      'renew the enrolled client certificate now, over mutual TLS with the current one (a running client also renews by itself)',
    )
    .option('-c, --config <file>', 'client config file (frpc.toml)', DEFAULT_CLIENT_CONFIG)
    .option('--if-due', 'renew only once two thirds of the lifetime have passed (for cron)')
    .action(async (flags: { config: string; ifDue?: boolean }) => {
      process.exitCode = await run(async () => (await clientSide()).renew(flags));
    });
}
