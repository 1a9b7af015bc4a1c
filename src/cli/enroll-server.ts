// `burrow server token create`, `burrow server clients`, `burrow server revoke`: enrollment administration on the CA directory, offline.
import { isIP } from 'node:net';
import { defaultServerConfig, loadServerConfig, type ServerConfig } from '../config/index.js';
import { BurrowError, ErrorCode } from '../errors.js';
import {
  createEnrollToken,
  describeAllowances,
  formatDuration,
  inspectServerSetup,
  listEnrolledClients,
  parseAllowances,
  parseDuration,
  parseServerAddress,
  revokeIdentity,
  type EnrolledClientRow,
} from '../enroll/index.js';
import { formatDate } from '../pki/dates.js';
import { inspectCert } from '../pki/index.js';
import { readTextFile } from '../pki/files.js';
import { printWarnings } from './output.js';
import { out, passphraseOption, readPassphraseFile } from './pki-options.js';

/** Placeholder in the printed join command when the server's public address cannot be guessed. */
const ADDRESS_PLACEHOLDER = 'SERVER_ADDR';

/** Spaces between two columns of the clients table. */
const COLUMN_GAP = 2;

/** Flags every enrollment admin command takes. */
export interface AdminFlags {
  config?: string;
  caDir?: string;
  stateDir?: string;
}

/** The server config (-c, else frp's defaults) with --state-dir applied. */
async function serverConfig(flags: AdminFlags): Promise<ServerConfig> {
  let config: ServerConfig;
  if (flags.config) {
    const loaded = await loadServerConfig(flags.config);
    printWarnings(loaded.warnings);
    config = loaded.config;
  } else {
    config = defaultServerConfig();
  }
  if (flags.stateDir) config.stateDir = flags.stateDir;
  return config;
}

/** The CA directory and the set-up problems (printed as warnings); throws USAGE when there is no CA at all. */
async function caDirOf(
  config: ServerConfig,
  flags: AdminFlags,
  warn: boolean,
): Promise<{ caDir: string; caFingerprint?: string }> {
  const setup = await inspectServerSetup(config, flags.caDir);
  if (setup.caDir === undefined) throw new BurrowError(ErrorCode.USAGE, setup.problems[0] ?? 'no CA directory found');
  if (warn)
    printWarnings([
      ...setup.problems.map((p) => `the server will refuse enrollment until this is fixed: ${p}`),
      ...setup.notes,
    ]);
  return { caDir: setup.caDir, ...(setup.caFingerprint ? { caFingerprint: setup.caFingerprint } : {}) };
}

/** The host clients should dial: --server-addr, else a specific bindAddr, else the server certificate's first name. */
async function publicHost(config: ServerConfig): Promise<string> {
  const bind = config.bindAddr;
  if (bind && bind !== '0.0.0.0' && bind !== '::') return bind;
  if (config.transport.tls.certFile) {
    const info = inspectCert(await readTextFile(config.transport.tls.certFile, 'server certificate'));
    const name = info.sans.dns.find((d) => !d.startsWith('*')) ?? info.sans.ip[0];
    if (name) return name;
  }
  return ADDRESS_PLACEHOLDER;
}

/** "host:port" for the join command, IPv6 in brackets. */
function joinAddress(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** --server-addr as given when it has a port (HOST:PORT, [v6]:PORT), else with bindPort added. */
function withPort(addr: string, port: number): string {
  try {
    const parsed = parseServerAddress(addr);
    return joinAddress(parsed.host, parsed.port);
  } catch {
    // No port given: a bare host (or IPv6 address) takes bindPort.
    return joinAddress(addr.replace(/^\[|\]$/g, ''), port);
  }
}

/** Options of `server token create`. */
export interface TokenCreateFlags extends AdminFlags {
  id: string;
  ttl: string;
  allowProxies?: string[];
  allowPorts?: string[];
  allowDomains?: string[];
  certDays?: number;
  serverAddr?: string;
  json?: boolean;
}

/** `burrow server token create`: writes a one-time token to the CA directory and prints it with the join command. */
export async function tokenCreate(flags: TokenCreateFlags): Promise<void> {
  const ttlMs = parseDuration(flags.ttl);
  const allowances = parseAllowances(flags);
  const config = await serverConfig(flags);
  const { caDir, caFingerprint } = await caDirOf(config, flags, !flags.json);
  if (!caFingerprint) throw new BurrowError(ErrorCode.PKI, `cannot read the CA certificate in ${caDir}`);
  const created = await createEnrollToken(caDir, {
    identity: flags.id,
    ttlMs,
    allowances,
    ...(flags.certDays !== undefined ? { certDays: flags.certDays } : {}),
  });
  const address = flags.serverAddr
    ? withPort(flags.serverAddr, config.bindPort)
    : joinAddress(await publicHost(config), config.bindPort);
  const command = `burrow client join ${address} --token ${created.text} --fingerprint ${caFingerprint}`;
  if (flags.json) {
    out(
      JSON.stringify(
        {
          identity: flags.id,
          token: created.text,
          tokenId: created.record.id,
          expiresAt: created.record.expiresAt,
          caFingerprint,
          joinCommand: command,
          allowances,
          ...(created.revokedAt ? { revokedAt: created.revokedAt } : {}),
        },
        null,
        2,
      ),
    );
    return;
  }
  out(
    `one-time enrollment token for "${flags.id}" (id ${created.record.id}), valid for ${formatDuration(ttlMs)} until ${formatDate(new Date(created.record.expiresAt))}:`,
  );
  out(`  ${created.text}`);
  out(
    `allowed: ${describeAllowances(allowances)}; certificate valid ${created.record.certDays} days, renewed automatically`,
  );
  out('on the client, run:');
  out(`  ${command}`);
  if (created.revokedAt)
    out(
      `note: "${flags.id}" was revoked at ${formatDate(new Date(created.revokedAt))}; it stays revoked until this token is used, which enrolls it again`,
    );
  if (address.startsWith(ADDRESS_PLACEHOLDER))
    printWarnings([
      `replace ${ADDRESS_PLACEHOLDER} with the address clients reach this server at (or pass --server-addr)`,
    ]);
}

/** One table line, columns padded to `widths`. */
function row(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + COLUMN_GAP)))
    .join('')
    .trimEnd();
}

/** `burrow server clients`: the enrolled identities, their status, expiry and last seen. */
export async function listClients(flags: AdminFlags & { json?: boolean }): Promise<void> {
  const config = await serverConfig(flags);
  const { caDir } = await caDirOf(config, flags, false);
  const rows = await listEnrolledClients(caDir);
  if (flags.json) {
    out(JSON.stringify(rows, null, 2));
    return;
  }
  if (rows.length === 0) {
    out(`no client has enrolled with the CA in ${caDir} yet (burrow server token create -c FILE --id NAME)`);
    return;
  }
  const date = (iso: string | undefined): string => (iso ? formatDate(new Date(iso)) : '-');
  const cells = rows.map((r: EnrolledClientRow) => [
    r.identity,
    r.status === 'revoked' ? `revoked ${date(r.revokedAt)}` : r.status,
    date(r.notAfter),
    r.lastSeen ? `${date(r.lastSeen)}${r.lastSeenFrom ? ` from ${r.lastSeenFrom}` : ''}` : '-',
    describeAllowances(r),
  ]);
  const head = ['IDENTITY', 'STATUS', 'EXPIRES', 'LAST SEEN', 'ALLOWED'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  out(row(head, widths));
  for (const c of cells) out(row(c, widths));
}

/** `burrow server revoke ID`: revokes the identity's certificates, rewrites the CRL, cancels its tokens. */
export async function revokeClient(
  identity: string,
  flags: AdminFlags & { keyPassphraseFile?: string },
): Promise<void> {
  const config = await serverConfig(flags);
  const { caDir } = await caDirOf(config, flags, false);
  const passphrase = await readPassphraseFile(flags.keyPassphraseFile);
  const crlFile = config.transport.tls.crlFile;
  const r = await revokeIdentity({ caDir, identity, serverCrlFile: crlFile, ...passphraseOption(passphrase) });
  const count = r.serials.length;
  out(
    `revoked "${identity}": ${count} certificate${count === 1 ? '' : 's'}${count > 0 ? ` (serial ${r.serials.join(', ')})` : ''}; its policy entry and renewals are off`,
  );
  out(`CRL written to ${r.crlFile}${r.copiedTo ? ` and ${r.copiedTo}` : ''}`);
  if (r.cancelledTokens > 0)
    out(`cancelled ${r.cancelledTokens} unused token${r.cancelledTokens === 1 ? '' : 's'} of "${identity}"`);
  if (crlFile) {
    out('the running server reloads the CRL by itself, refuses these certificates and closes their live sessions');
  } else {
    printWarnings([
      `transport.tls.crlFile is not set, so the TLS handshake still accepts these certificates: add  transport.tls.crlFile = ${JSON.stringify(r.crlFile)}  to ${flags.config ?? 'frps.toml'} and restart the server`,
    ]);
  }
}
