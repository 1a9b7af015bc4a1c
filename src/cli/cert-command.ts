// `burrow cert issue|inspect|verify`: issue leaf certificates from a burrow CA, look at certificates, check them.
import { Option, type Command } from 'commander';
import { BurrowError, ErrorCode } from '../errors.js';
import {
  DEFAULT_KEY_TYPE,
  DEFAULT_LEAF_DAYS,
  KEY_TYPES,
  firstCertDer,
  formatFingerprint,
  inspectCert,
  inspectRemote,
  issueCert,
  splitPemCertificates,
  verifyCert,
  type CertPurpose,
  type KeyType,
} from '../pki/index.js';
import { formatDate } from '../pki/dates.js';
import { exists, readPkiFile, readTextFile } from '../pki/files.js';
import { formatCertList, formatRemote, formatSans } from './pki-format.js';
import { out, parseDaysOption, parseKeyTypeOption, passphraseOption, readPassphraseFile, run } from './pki-options.js';

/** HOST:PORT or [IPv6]:PORT. */
const HOST_PORT_RE = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/;

/** Highest TCP port. */
const MAX_PORT = 65535;

interface IssueFlags {
  caDir: string;
  out: string;
  keyType: KeyType;
  days: number;
  force?: boolean;
  keyPassphraseFile?: string;
}

/** Adds `cert issue server|client`, `cert inspect` and `cert verify` to the program. */
export function registerCertCommand(program: Command): void {
  const cert = program.command('cert').description('issue, inspect and verify certificates');
  const issue = cert.command('issue').description('issue a server or client certificate from a burrow CA');
  addIssueCommand(issue, 'server');
  addIssueCommand(issue, 'client');

  cert
    .command('inspect')
    .description('show subject, SANs, EKU, issuer, validity, key type and fingerprint of a file or a TLS server')
    .argument('<target>', 'certificate file (PEM or DER), or HOST:PORT of a TLS server')
    .option('--json', 'print JSON')
    .option('--servername <name>', 'SNI name to send to HOST:PORT (default: the host, unless it is an IP)')
    .action(async (target: string, flags: { json?: boolean; servername?: string }) => {
      process.exitCode = await run(() => inspect(target, flags));
    });

  cert
    .command('verify')
    .description('check a certificate against a CA: exit 0 "OK", or 1 with the exact reason')
    .argument('<cert>', 'certificate file (PEM; intermediates may follow the leaf)')
    .requiredOption('--ca <file>', 'trusted CA certificate file (PEM)')
    .option('--host <name>', 'host name or IP address the certificate must name')
    .addOption(new Option('--purpose <purpose>', 'required use').choices(['server', 'client']))
    .option('--crl <file>', 'CRL file of the CA (PEM); a revoked certificate fails')
    .action(async (file: string, flags: { ca: string; host?: string; purpose?: CertPurpose; crl?: string }) => {
      process.exitCode = await run(async () => {
        const result = await verifyCert({
          certPem: await readTextFile(file, 'certificate'),
          caPem: await readTextFile(flags.ca, 'CA certificate'),
          ...(flags.host !== undefined ? { host: flags.host } : {}),
          ...(flags.purpose !== undefined ? { purpose: flags.purpose } : {}),
          ...(flags.crl !== undefined ? { crlPem: await readTextFile(flags.crl, 'CRL') } : {}),
        });
        if (!result.ok) throw new BurrowError(ErrorCode.PKI, `${file}: ${result.reason}`);
        out(`${file}: OK (${result.leaf.subject}, valid until ${formatDate(result.leaf.notAfter)})`);
      });
    });
}

/** Adds `issue server` or `issue client`. */
function addIssueCommand(issue: Command, kind: 'server' | 'client'): void {
  const cmd = issue.command(kind);
  if (kind === 'server') {
    cmd
      .description('issue a server certificate (EKU serverAuth); the first name is the CN, every name a SAN')
      .argument('<names...>', 'DNS names, IP addresses, URIs (scheme://…) or emails');
  } else {
    cmd
      .description('issue a client certificate (EKU clientAuth); ID is the CN (and a SAN when it is a valid name)')
      .argument('<id>', 'client identity, e.g. alice or alice@example.com')
      .argument('[names...]', 'more SANs: DNS names, IP addresses, URIs or emails');
  }
  cmd
    .requiredOption('--ca-dir <dir>', 'CA directory (from `burrow ca init`)')
    .requiredOption('--out <prefix>', 'writes PREFIX.crt and PREFIX.key (0600)')
    .addOption(
      new Option('--key-type <type>', `key type: ${KEY_TYPES.join(', ')}`)
        .default(DEFAULT_KEY_TYPE)
        .argParser(parseKeyTypeOption),
    )
    .option('--days <n>', 'validity in days', parseDaysOption, DEFAULT_LEAF_DAYS)
    .option('--force', 'replace PREFIX.crt / PREFIX.key when they exist')
    .option('--key-passphrase-file <file>', 'file whose first line is the passphrase of an encrypted CA key')
    .action(async (...args: unknown[]) => {
      // Commander passes the positional arguments, then the options.
      const names =
        kind === 'server' ? (args[0] as string[]) : [args[0] as string, ...((args[1] as string[] | undefined) ?? [])];
      const flags = args[kind === 'server' ? 1 : 2] as IssueFlags;
      process.exitCode = await run(async () => {
        const passphrase = await readPassphraseFile(flags.keyPassphraseFile);
        const r = await issueCert({
          caDir: flags.caDir,
          kind,
          names,
          out: flags.out,
          keyType: flags.keyType,
          days: flags.days,
          overwrite: flags.force === true,
          ...passphraseOption(passphrase),
        });
        const info = inspectCert(r.certPem);
        out(`${kind} certificate issued: ${r.subject} (${flags.keyType}), valid until ${formatDate(r.notAfter)}`);
        if (r.clippedToCaExpiry) out('  note: validity shortened to end with the CA certificate');
        out(`  SANs         ${formatSans(info)}`);
        out(`  certificate  ${r.certFile}`);
        out(`  key          ${r.keyFile} (0600; keep it secret)`);
        out(`  sha256       ${formatFingerprint(r.fingerprint)}`);
      });
    });
}

/** `cert inspect`: a file when it exists, else HOST:PORT. */
async function inspect(target: string, flags: { json?: boolean; servername?: string }): Promise<void> {
  if (await exists(target)) {
    const data = await readPkiFile(target, 'certificate file');
    const text = data.toString('latin1');
    const blocks = text.includes('-----BEGIN') ? splitPemCertificates(data.toString('utf8')) : [];
    const infos = blocks.length > 0 ? blocks.map((b) => inspectCert(b)) : [inspectCert(firstCertDer(data))];
    if (flags.json) out(JSON.stringify({ file: target, certificates: infos }, null, 2));
    else process.stdout.write(formatCertList(infos));
    return;
  }
  const m = HOST_PORT_RE.exec(target);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > MAX_PORT) {
    throw new BurrowError(ErrorCode.USAGE, `${target}: no such file, and not HOST:PORT`);
  }
  const host = (m[1] ?? m[2])!;
  const remote = await inspectRemote(
    host,
    port,
    flags.servername !== undefined ? { servername: flags.servername } : {},
  );
  if (flags.json) {
    const { chainPem: _pem, ...rest } = remote;
    out(JSON.stringify(rest, null, 2));
  } else {
    process.stdout.write(formatRemote(remote));
  }
}
