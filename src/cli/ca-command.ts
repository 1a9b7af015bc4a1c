// `burrow ca init|export|revoke|crl`: run a small certificate authority without openssl.
import { Option, type Command } from 'commander';
import {
  CA_EXPORT_FORMATS,
  DEFAULT_CA_DAYS,
  DEFAULT_CA_NAME,
  DEFAULT_CRL_DAYS,
  DEFAULT_KEY_TYPE,
  KEY_TYPES,
  exportCa,
  formatFingerprint,
  formatSerial,
  generateCrl,
  initCa,
  revoke,
  type CaExportFormat,
  type KeyType,
} from '../pki/index.js';
import { formatDate } from '../pki/dates.js';
import { exists, readTextFile } from '../pki/files.js';
import { out, parseDaysOption, parseKeyTypeOption, passphraseOption, readPassphraseFile, run } from './pki-options.js';

/** Help text of --key-passphrase-file. */
const PASSPHRASE_HELP = 'file whose first line is the passphrase of an encrypted CA key';

/** Adds `ca init`, `ca export`, `ca revoke` and `ca crl` to the program. */
export function registerCaCommand(program: Command): void {
  const ca = program.command('ca').description('create and run a certificate authority for burrow servers and clients');

  ca.command('init')
    .description('create a CA: DIR/ca.crt and DIR/ca.key (0600); refuses to overwrite an existing one')
    .requiredOption('--dir <dir>', 'CA directory (created 0700 when missing)')
    .option('--name <name>', 'subject common name', DEFAULT_CA_NAME)
    .addOption(
      new Option('--key-type <type>', `key type: ${KEY_TYPES.join(', ')}`)
        .default(DEFAULT_KEY_TYPE)
        .argParser(parseKeyTypeOption),
    )
    .option('--days <n>', 'validity in days', parseDaysOption, DEFAULT_CA_DAYS)
    .action(async (flags: { dir: string; name: string; keyType: KeyType; days: number }) => {
      process.exitCode = await run(async () => {
        const r = await initCa({ dir: flags.dir, name: flags.name, keyType: flags.keyType, days: flags.days });
        out(`CA created: ${r.subject} (${flags.keyType}), valid until ${formatDate(r.notAfter)}`);
        out(`  certificate  ${r.certFile}`);
        out(`  key          ${r.keyFile} (0600; keep it secret)`);
        out(`  sha256       ${formatFingerprint(r.fingerprint)}`);
      });
    });

  ca.command('export')
    .description('print the CA certificate as PEM, or as hex:/base64: inline data for transport.tls.trustedCaData')
    .requiredOption('--dir <dir>', 'CA directory')
    .addOption(new Option('--format <format>', 'output format').choices([...CA_EXPORT_FORMATS]).default('pem'))
    .action(async (flags: { dir: string; format: CaExportFormat }) => {
      process.exitCode = await run(async () => {
        const text = await exportCa({ dir: flags.dir, format: flags.format });
        process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      });
    });

  ca.command('revoke')
    .description('mark a certificate revoked (by serial or certificate file); then run `burrow ca crl`')
    .argument('<serial-or-cert>', 'serial number in hex (colons allowed) or a certificate file')
    .requiredOption('--dir <dir>', 'CA directory')
    .option('--key-passphrase-file <file>', PASSPHRASE_HELP)
    .action(async (target: string, flags: { dir: string; keyPassphraseFile?: string }) => {
      process.exitCode = await run(async () => {
        const passphrase = await readPassphraseFile(flags.keyPassphraseFile);
        // A path to an existing file is a certificate; anything else is a serial.
        const serialOrCertPem = (await exists(target)) ? await readTextFile(target, 'certificate') : target;
        const r = await revoke({ dir: flags.dir, serialOrCertPem, ...passphraseOption(passphrase) });
        out(`revoked serial ${formatSerial(r.serial)} on ${formatDate(r.revokedAt)}`);
        out(`publish it: burrow ca crl --dir ${flags.dir}`);
      });
    });

  ca.command('crl')
    .description('write DIR/crl.pem: a CRL signed by the CA listing every revoked certificate')
    .requiredOption('--dir <dir>', 'CA directory')
    .option('--days <n>', 'days until the CRL needs renewing (nextUpdate)', parseDaysOption, DEFAULT_CRL_DAYS)
    .option('--key-passphrase-file <file>', PASSPHRASE_HELP)
    .action(async (flags: { dir: string; days: number; keyPassphraseFile?: string }) => {
      process.exitCode = await run(async () => {
        const passphrase = await readPassphraseFile(flags.keyPassphraseFile);
        const r = await generateCrl({ dir: flags.dir, days: flags.days, ...passphraseOption(passphrase) });
        out(
          `CRL #${r.crlNumber} written to ${r.crlFile}: ${r.revokedCount} revoked certificate${r.revokedCount === 1 ? '' : 's'}`,
        );
        out(`  next update ${formatDate(r.nextUpdate)} (run this again before then)`);
      });
    });
}
