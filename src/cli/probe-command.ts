// `burrow probe HOST:PORT`: print the negotiated TLS state and the peer's chain, and whether it verifies.
import type { Command } from 'commander';
import { BurrowError, ErrorCode } from '../errors.js';
import { probeTls } from '../tls/probe.js';
import { ExitCode, reportError } from './exit.js';

interface ProbeFlags {
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  json?: boolean;
}

/** Adds `probe` to the program. */
export function registerProbeCommand(program: Command): void {
  program
    .command('probe')
    .description(
      'TLS handshake with HOST:PORT: print version, cipher, ALPN, the peer chain and the verification result',
    )
    .argument('<address>', 'HOST:PORT (e.g. 127.0.0.1:7000)')
    .option('--ca <file>', 'CA to verify the server against (default: the system CAs)')
    .option('--cert <file>', 'client certificate to present')
    .option('--key <file>', 'key of the client certificate')
    .option('--servername <name>', 'name to send as SNI and to verify (default: HOST)')
    .option('--json', 'print JSON')
    .action(async (address: string, flags: ProbeFlags) => {
      process.exitCode = await runProbe(address, flags);
    });
}

/** "host:port" or "[v6]:port" → parts; BurrowError(USAGE) otherwise. */
export function parseHostPort(address: string): { host: string; port: number } {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:]+):(\d+)$/.exec(address);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new BurrowError(ErrorCode.USAGE, `expected HOST:PORT, got "${address}"`);
  }
  return { host: match[1]!, port };
}

async function runProbe(address: string, flags: ProbeFlags): Promise<number> {
  try {
    const { host, port } = parseHostPort(address);
    const result = await probeTls({
      host,
      port,
      ...(flags.ca ? { caFile: flags.ca } : {}),
      ...(flags.cert ? { certFile: flags.cert } : {}),
      ...(flags.key ? { keyFile: flags.key } : {}),
      ...(flags.servername ? { servername: flags.servername } : {}),
    });
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const lines = [
        `TLS version:  ${result.protocol}`,
        `cipher:       ${result.cipher}`,
        `ALPN:         ${result.alpn || '(none)'}`,
        'peer chain:',
        ...result.chain.flatMap((c, i) => [
          `  [${i}] subject: ${c.subject}`,
          `      issuer:  ${c.issuer}`,
          ...(c.subjectAltName ? [`      SANs:    ${c.subjectAltName}`] : []),
          `      valid:   ${c.validFrom} .. ${c.validTo}`,
          `      sha256:  ${c.fingerprint}`,
        ]),
        `verified:     ${result.verified ? 'yes' : `no — ${result.reason ?? ''}`}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return result.verified ? ExitCode.OK : ExitCode.RUNTIME;
  } catch (err) {
    return reportError(err);
  }
}
