// Human-readable output of certificates and TLS peers for `burrow cert inspect` and friends.
import { formatFingerprint, formatSerial, type CertInfo, type RemoteInfo } from '../pki/index.js';
import { formatDate, MS_PER_DAY } from '../pki/dates.js';

/** Width of the label column. */
const LABEL_WIDTH = 11;

/** "in N days" / "N days ago" relative to now. */
function relative(d: Date, now: number): string {
  const days = Math.round((d.getTime() - now) / MS_PER_DAY);
  return days >= 0 ? `in ${days} day${days === 1 ? '' : 's'}` : `${-days} day${days === -1 ? '' : 's'} ago`;
}

/** One labelled line, indented. */
function line(label: string, value: string): string {
  return `  ${label.padEnd(LABEL_WIDTH)} ${value}\n`;
}

/** The SANs as "DNS:a, IP:b, URI:c, email:d" (or "none"). */
export function formatSans(info: CertInfo): string {
  const all = [
    ...info.sans.dns.map((v) => `DNS:${v}`),
    ...info.sans.ip.map((v) => `IP:${v}`),
    ...info.sans.uri.map((v) => `URI:${v}`),
    ...info.sans.email.map((v) => `email:${v}`),
  ];
  return all.length ? all.join(', ') : 'none';
}

/** A certificate as a block of labelled lines. */
export function formatCertInfo(info: CertInfo, now = Date.now()): string {
  const expired = info.notAfter.getTime() < now;
  const validity = `${formatDate(info.notBefore)} to ${formatDate(info.notAfter)} (${expired ? 'expired' : 'expires'} ${relative(info.notAfter, now)})`;
  return (
    line('subject', info.subject) +
    line('issuer', info.issuer + (info.selfIssued ? ' (self-issued)' : '')) +
    line('serial', formatSerial(info.serial)) +
    line('valid', validity) +
    line('key', `${info.keyType}, signed ${info.signatureAlgorithm}`) +
    line('SANs', formatSans(info)) +
    line('EKU', info.eku.length ? info.eku.join(', ') : 'none (any use)') +
    line('key usage', info.keyUsage.length ? info.keyUsage.join(', ') : 'none') +
    line('CA', info.isCa ? `yes${info.pathLen !== undefined ? `, pathlen ${info.pathLen}` : ''}` : 'no') +
    line('sha256', formatFingerprint(info.fingerprint))
  );
}

/** Every certificate of a list, numbered when there is more than one. */
export function formatCertList(infos: CertInfo[], now = Date.now()): string {
  if (infos.length === 1) return formatCertInfo(infos[0]!, now);
  return infos.map((info, i) => `certificate ${i} of ${infos.length}\n${formatCertInfo(info, now)}`).join('');
}

/** A TLS peer: the session, then its chain. */
export function formatRemote(remote: RemoteInfo, now = Date.now()): string {
  const head =
    `${remote.host}:${remote.port}: ${remote.protocol}, ${remote.cipher}` +
    `${remote.alpn ? `, ALPN ${remote.alpn}` : ''}, ${remote.chain.length} certificate${remote.chain.length === 1 ? '' : 's'} sent\n`;
  return (
    head +
    remote.chain
      .map((info, i) => `certificate ${i} (${i === 0 ? 'leaf' : 'chain'})\n${formatCertInfo(info, now)}`)
      .join('')
  );
}
