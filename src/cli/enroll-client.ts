// `burrow client join` and `burrow client renew`: enroll with a one-time token, and renew the enrolled certificate.
import { loadClientConfig } from '../config/index.js';
import { joinServer, renewalTime, renewCertificate } from '../enroll/index.js';
import { formatDate } from '../pki/dates.js';
import { readTextFile } from '../pki/files.js';
import { printWarnings } from './output.js';
import { out } from './pki-options.js';

/** Options of `client join`. */
export interface JoinFlags {
  token: string;
  fingerprint: string;
  dir: string;
  serverName?: string;
  force?: boolean;
}

/** `burrow client join SERVER`: prints what was written and how to start the client. */
export async function join(server: string, flags: JoinFlags): Promise<void> {
  const r = await joinServer({
    server,
    token: flags.token,
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
