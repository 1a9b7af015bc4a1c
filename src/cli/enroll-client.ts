// `burrow client join` and `burrow client renew`: enroll with a one-time token, and renew the enrolled certificate.
import type { Readable } from 'node:stream';
import { loadClientConfig } from '../config/index.js';
import { MAX_TOKEN_LENGTH } from '../enroll/constants.js';
import { joinServer, renewalTime, renewCertificate } from '../enroll/index.js';
import { BurrowError, ErrorCode } from '../errors.js';
import { formatDate } from '../pki/dates.js';
import { readTextFile } from '../pki/files.js';
import { printWarnings } from './output.js';
import { out } from './pki-options.js';

/** `--token -`: the token is read from stdin. */
export const TOKEN_FROM_STDIN = '-';

/** Bytes read from stdin for the token: a token is at most MAX_TOKEN_LENGTH; the rest is room for a line break and spaces. */
const MAX_TOKEN_INPUT_BYTES = MAX_TOKEN_LENGTH + 64;

/** stdin must deliver the token within this (a pipe does at once; someone pasting it has a minute). */
const TOKEN_STDIN_TIMEOUT_MS = 60_000;

/** Printed when the token came on the command line. */
export const TOKEN_ARGV_WARNING =
  '--token on the command line is visible to other users (ps, /proc) and kept in shell history; prefer --token-file FILE or --token - (stdin)';

/** Options of `client join`: the token from --token (a value, or "-" for stdin) or --token-file. */
export interface JoinFlags {
  token?: string;
  tokenFile?: string;
  fingerprint: string;
  dir: string;
  serverName?: string;
  force?: boolean;
}

/** `burrow client join SERVER`: prints what was written and how to start the client. */
export async function join(server: string, flags: JoinFlags): Promise<void> {
  const token = await joinToken(flags);
  const r = await joinServer({
    server,
    token,
    fingerprint: flags.fingerprint,
    dir: flags.dir,
    ...(flags.serverName ? { serverName: flags.serverName } : {}),
    ...(flags.force ? { force: true } : {}),
  });
  out(`enrolled as "${r.identity}": certificate serial ${r.serial}, valid until ${formatDate(new Date(r.notAfter))}`);
  out(`  key          ${r.files.key} (0600; generated here, never sent)`);
  out(`  certificate  ${r.files.cert}`);
  out(`  CA           ${r.files.ca}`);
  out(`  config       ${r.files.config}`);
  out(`start the client:  burrow client -c ${r.files.config}`);
}

/** `burrow client renew`: renews the certificate of frpc.toml now, or with --if-due only once it is due. */
export async function renew(flags: { config: string; ifDue?: boolean }): Promise<void> {
  const loaded = await loadClientConfig(flags.config);
  printWarnings(loaded.warnings);
  const certFile = loaded.config.transport.tls.certFile;
  if (flags.ifDue && certFile) {
    const due = renewalTime(await readTextFile(certFile, 'client certificate'));
    if (due.getTime() > Date.now()) {
      out(`not due: ${certFile} is renewed from ${formatDate(due)} (two thirds of its lifetime)`);
      return;
    }
  }
  const r = await renewCertificate(loaded.config);
  out(`renewed "${r.identity}": certificate serial ${r.serial}, valid until ${formatDate(new Date(r.notAfter))}`);
  out(`  key          ${r.keyFile} (new, 0600)`);
  out(`  certificate  ${r.certFile}`);
  out('a running client picks them up by itself; its live session continues');
}

/** The first line of `text`, trimmed; a usage error naming `source` when it is empty. */
function firstLine(text: string, source: string): string {
  const line = (text.split(/\r?\n/)[0] ?? '').trim();
  if (line === '') throw new BurrowError(ErrorCode.USAGE, `no enrollment token in ${source}`);
  return line;
}

/**
 * The enrollment token of `client join`: from --token-file (its first line), from stdin with
 * `--token -` (its first line), or from --token itself (with a warning on stderr: argv is visible
 * in ps). Exactly one of --token and --token-file.
 */
export async function joinToken(
  flags: Pick<JoinFlags, 'token' | 'tokenFile'>,
  stdin: Readable = process.stdin,
): Promise<string> {
  if (flags.token !== undefined && flags.tokenFile !== undefined)
    throw new BurrowError(ErrorCode.USAGE, 'give --token or --token-file, not both');
  if (flags.tokenFile !== undefined)
    return firstLine(await readTextFile(flags.tokenFile, 'token file'), flags.tokenFile);
  if (flags.token === undefined)
    throw new BurrowError(
      ErrorCode.USAGE,
      'an enrollment token is needed: --token-file FILE, --token - (stdin) or --token TOKEN',
    );
  if (flags.token === TOKEN_FROM_STDIN)
    return firstLine(await readBounded(stdin, MAX_TOKEN_INPUT_BYTES, TOKEN_STDIN_TIMEOUT_MS), 'stdin');
  printWarnings([TOKEN_ARGV_WARNING]);
  return flags.token;
}

/** Reads `stream` up to its first line break or end, at most `maxBytes`, within `timeoutMs`. */
function readBounded(stream: Readable, maxBytes: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.pause();
      if (err) reject(err);
      else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onData = (chunk: Buffer | string): void => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(buf);
      size += buf.length;
      if (buf.includes(0x0a)) finish();
      else if (size > maxBytes)
        finish(
          new BurrowError(
            ErrorCode.USAGE,
            `stdin gave more than ${maxBytes} bytes before a line break: not an enrollment token`,
          ),
        );
    };
    const onEnd = (): void => finish();
    const onError = (err: Error): void =>
      finish(new BurrowError(ErrorCode.USAGE, `cannot read the token from stdin: ${err.message}`, { cause: err }));
    const timer = setTimeout(
      () => finish(new BurrowError(ErrorCode.TIMEOUT, `no enrollment token on stdin within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}
