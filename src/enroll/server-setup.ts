// Where a server's enrollment CA lives, and whether the server's TLS set-up lets enrolled clients pin it and be verified.
import { dirname, join } from 'node:path';
import type { ServerConfig } from '../config/index.js';
import { errorMessage } from '../errors.js';
import { caPaths, certFingerprint, splitPemCertificates, verifyCert } from '../pki/index.js';
import { exists, readTextFile } from '../pki/files.js';
import { defaultStateDir, loadTrustedCa } from '../tls/index.js';

/** Sub-directory of the state directory that may hold the CA (`<stateDir>/ca`). */
export const STATE_CA_SUBDIR = 'ca';

/** What inspectServerSetup found. */
export interface ServerSetup {
  /** The CA directory enrollment issues from; undefined when none was found. */
  caDir?: string;
  /** How it was found, for messages. */
  caDirSource?: string;
  /** "sha256:…" of the CA certificate: what clients pin. */
  caFingerprint?: string;
  /** Why enrollment cannot work with this set-up (empty = ready). */
  problems: string[];
  /** What works but is weaker than it should be (e.g. revocation not enforced at the handshake). */
  notes: string[];
}

/** True when `dir` holds ca.crt and ca.key. */
async function holdsCa(dir: string): Promise<boolean> {
  const p = caPaths(dir);
  return (await exists(p.cert)) && (await exists(p.key));
}

/**
 * The CA directory: `override` (--ca-dir), else `transport.tls.caDir` when the config has that key,
 * else the directory of `transport.tls.trustedCaFile` when it holds ca.crt and ca.key (the layout
 * of `burrow ca init` and the quickstart), else `<stateDir>/ca`.
 */
export async function findCaDir(
  config: ServerConfig,
  override?: string,
): Promise<{ dir: string; source: string } | undefined> {
  if (override) return { dir: override, source: '--ca-dir' };
  const configured = config.transport.tls.caDir;
  if (configured !== '') return { dir: configured, source: 'transport.tls.caDir' };
  const trusted = config.transport.tls.trustedCaFile;
  if (trusted && (await holdsCa(dirname(trusted))))
    return { dir: dirname(trusted), source: 'the directory of transport.tls.trustedCaFile' };
  const stateCa = join(config.stateDir || defaultStateDir(), STATE_CA_SUBDIR);
  if (await holdsCa(stateCa)) return { dir: stateCa, source: 'the state directory' };
  return undefined;
}

/**
 * Checks that enrollment can work: a CA directory with ca.crt and ca.key; the server verifies
 * client certificates against that CA (trustedCaFile or trustedCaData holds it); the server's own
 * certificate (certFile) is issued by it, so a client pinning the CA's fingerprint accepts the
 * server. Each failed check adds one problem saying what to set.
 */
export async function inspectServerSetup(config: ServerConfig, override?: string): Promise<ServerSetup> {
  const found = await findCaDir(config, override);
  if (!found) {
    return {
      notes: [],
      problems: [
        'no CA directory found: set transport.tls.trustedCaFile to the ca.crt of a directory made by "burrow ca init" (its ca.key beside it), or pass --ca-dir',
      ],
    };
  }
  const setup: ServerSetup = { caDir: found.dir, caDirSource: found.source, problems: [], notes: [] };
  const paths = caPaths(found.dir);
  if (!(await holdsCa(found.dir))) {
    setup.problems.push(`${found.dir} (${found.source}) does not hold ca.crt and ca.key`);
    return setup;
  }
  let caPem: string;
  try {
    caPem = splitPemCertificates(await readTextFile(paths.cert, 'CA certificate'))[0] ?? '';
    setup.caFingerprint = certFingerprint(caPem);
  } catch (err) {
    setup.problems.push(errorMessage(err));
    return setup;
  }
  const t = config.transport.tls;
  try {
    const trusted = (await loadTrustedCa(t.trustedCaFile, t.trustedCaData)) ?? '';
    const trustedPrints = splitPemCertificates(trusted).map((pem) => certFingerprint(pem));
    if (!trustedPrints.includes(setup.caFingerprint)) {
      setup.problems.push(
        `the server does not verify client certificates with this CA: set transport.tls.trustedCaFile = "${paths.cert}"`,
      );
    }
  } catch (err) {
    setup.problems.push(errorMessage(err));
  }
  if (!t.crlFile) {
    setup.notes.push(
      `transport.tls.crlFile is not set, so "burrow server revoke" cannot stop revoked certificates at the handshake: run "burrow ca crl --dir ${found.dir}" and set transport.tls.crlFile = "${paths.crl}"`,
    );
  }
  if (!t.certFile) {
    setup.problems.push(
      `the server uses its generated certificate, which the CA did not issue: issue one (burrow cert issue server --ca-dir ${found.dir} --out server NAME…) and set transport.tls.certFile / keyFile`,
    );
  } else {
    try {
      const verdict = await verifyCert({
        certPem: await readTextFile(t.certFile, 'server certificate'),
        caPem,
        purpose: 'server',
      });
      if (!verdict.ok)
        setup.problems.push(
          `the server certificate ${t.certFile} does not verify with the CA in ${found.dir}: ${verdict.reason}`,
        );
    } catch (err) {
      setup.problems.push(errorMessage(err));
    }
  }
  return setup;
}
