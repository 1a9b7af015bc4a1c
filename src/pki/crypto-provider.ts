// @peculiar/x509 on Node's WebCrypto, loaded on first use: `import 'burrow'` and a client's start skip its ~250 ms.
import { webcrypto } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as X509 from '@peculiar/x509';

/** Loads CommonJS packages synchronously (ESM `import` of @peculiar/x509 resolves to the same CJS build). */
const loadCjs = createRequire(import.meta.url);

let loaded: typeof X509 | undefined;

/** The package, set up once: reflect-metadata first (its decorators need it), then Node's WebCrypto as provider. */
function load(): typeof X509 {
  if (loaded) return loaded;
  loadCjs('reflect-metadata');
  const lib = loadCjs('@peculiar/x509') as typeof X509;
  // @peculiar/x509 types its provider as the DOM `Crypto`; Node's webcrypto is that API.
  lib.cryptoProvider.set(webcrypto as unknown as Parameters<typeof lib.cryptoProvider.set>[0]);
  loaded = lib;
  return lib;
}

/** @peculiar/x509's exports; reading any of them loads the package (synchronously, once). */
export const x509: typeof X509 = new Proxy({} as typeof X509, {
  get: (_target, key) => Reflect.get(load(), key) as unknown,
  has: (_target, key) => Reflect.has(load(), key),
});

/** The @peculiar/x509 types burrow names as `x509.T` (types cost nothing at run time). */
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace x509 {
  type X509Certificate = X509.X509Certificate;
  type X509Crl = X509.X509Crl;
  type X509CrlEntry = X509.X509CrlEntry;
  type Extension = X509.Extension;
  type JsonGeneralName = X509.JsonGeneralName;
  type JsonGeneralNames = X509.JsonGeneralNames;
  type JsonName = X509.JsonName;
  type KeyUsageFlags = X509.KeyUsageFlags;
  type PublicKey = X509.PublicKey;
  type Pkcs10CertificateRequest = X509.Pkcs10CertificateRequest;
  type SubjectAlternativeNameExtension = X509.SubjectAlternativeNameExtension;
  type BasicConstraintsExtension = X509.BasicConstraintsExtension;
  type KeyUsagesExtension = X509.KeyUsagesExtension;
  type ExtendedKeyUsageExtension = X509.ExtendedKeyUsageExtension;
  type SubjectKeyIdentifierExtension = X509.SubjectKeyIdentifierExtension;
  type AuthorityKeyIdentifierExtension = X509.AuthorityKeyIdentifierExtension;
}

export { webcrypto };
