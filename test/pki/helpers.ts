// Test helpers for the PKI layer: a burrow CA in a temp dir, openssl-made CA chains, error matchers.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isBurrowError, type ErrorCodeValue } from '../../src/errors.js';
import { initCa, issueCert, type IssueCertResult } from '../../src/pki/index.js';
import { openssl, tempDir } from '../tls/helpers.js';

export { openssl, tempDir };

/** A matcher for assert.throws/rejects: a BurrowError with `code` whose message matches `re`. */
export function burrowError(code: ErrorCodeValue, re: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    if (!isBurrowError(e, code)) throw new Error(`expected BurrowError ${code}, got ${String(e)}`);
    if (!re.test(e.message)) throw new Error(`message "${e.message}" does not match ${re}`);
    return true;
  };
}

/** A burrow CA in a fresh temp dir, with its PEM and a way to issue leaves into the same dir. */
export interface TestPki {
  root: string;
  caDir: string;
  caPem: string;
  issue: (
    kind: 'server' | 'client',
    names: string[],
    out: string,
    extra?: { days?: number },
  ) => Promise<IssueCertResult>;
  remove: () => void;
}

/** Creates a burrow CA (EC P-256) named `name` under a new temp dir. */
export async function makeTestPki(prefix: string, name = 'Test CA'): Promise<TestPki> {
  const tmp = tempDir(prefix);
  const caDir = join(tmp.dir, 'ca');
  await initCa({ dir: caDir, name });
  return {
    root: tmp.dir,
    caDir,
    caPem: readFileSync(join(caDir, 'ca.crt'), 'utf8'),
    issue: (kind, names, out, extra = {}) => issueCert({ caDir, kind, names, out: join(tmp.dir, out), ...extra }),
    remove: tmp.remove,
  };
}

/** Writes an openssl extension file and returns its path. */
function extFile(dir: string, name: string, body: string): string {
  const file = join(dir, `${name}.ext`);
  writeFileSync(file, body);
  return file;
}

/** Paths of an openssl-made root → intermediate chain (both EC P-256; the intermediate key in SEC1 form). */
export interface OpensslChain {
  rootCrt: string;
  rootKey: string;
  interCrt: string;
  interKey: string;
}

/** Makes root (CA:TRUE) and an intermediate (CA:TRUE, pathlen 0) signed by it, with openssl. */
export function makeOpensslChain(dir: string): OpensslChain {
  const rootCrt = join(dir, 'root.crt');
  const rootKey = join(dir, 'root.key');
  const interKey = join(dir, 'inter.key');
  const interCsr = join(dir, 'inter.csr');
  const interCrt = join(dir, 'inter.crt');
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    rootKey,
    '-out',
    rootCrt,
    '-subj',
    '/CN=Openssl Root',
    '-days',
    '30',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', interKey]); // SEC1 "EC PRIVATE KEY"
  openssl(['req', '-new', '-key', interKey, '-out', interCsr, '-subj', '/CN=Openssl Intermediate']);
  const ext = extFile(
    dir,
    'inter',
    'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n',
  );
  openssl([
    'x509',
    '-req',
    '-in',
    interCsr,
    '-CA',
    rootCrt,
    '-CAkey',
    rootKey,
    '-CAcreateserial',
    '-out',
    interCrt,
    '-days',
    '20',
    '-extfile',
    ext,
  ]);
  return { rootCrt, rootKey, interCrt, interKey };
}
