// Fuzz targets "pki-cert" (inspectCert on mutated DER/PEM) and "pki-text" (parseCaData, decodeCaData, parseFingerprint on strings).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { BurrowError } from '../../../src/errors.js';
import { parseCaData } from '../../../src/pki/ca-data.js';
import { formatFingerprint, parseFingerprint } from '../../../src/pki/fingerprint.js';
import { inspectCert } from '../../../src/pki/inspect.js';
import { derToPem } from '../../../src/pki/pem.js';
import { decodeCaData } from '../../../src/tls/trust.js';
import { check, typed, untyped, type FuzzTarget } from '../lib/target.js';

/** Largest certificate input. */
const MAX_CERT_INPUT = 8 * 1024;
/** Largest text input. */
const MAX_TEXT_INPUT = 16 * 1024;
/** Mode bits of pki-cert's first byte: how the bytes reach inspectCert. */
const MODE_PEM_STRING = 1;
const MODE_PEM_BYTES = 2;
/** Where the seed certificates live (RSA CA with many extensions, EC P-384, Ed25519, RSA-PSS, a burrow one). */
const SEED_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'seeds', 'pki');

let seedDers: Buffer[] | undefined;
/** The seed certificates' DER, read once. */
function ders(): Buffer[] {
  seedDers ??= readdirSync(SEED_DIR)
    .filter((f) => f.endsWith('.der'))
    .sort()
    .map((f) => readFileSync(join(SEED_DIR, f)));
  return seedDers;
}

/** A seed DER with a few random byte edits (keeps most of the ASN.1 intact, so deep paths are reached). */
const mutatedDer: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.nat(),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 3 })), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([which, edits]) => {
    const list = ders();
    let der = Buffer.from(list[which % list.length]!);
    for (const [pos, value, kind] of edits) {
      const i = pos % Math.max(1, der.length);
      if (kind === 0) der[i] = value;
      else if (kind === 1) der = Buffer.concat([der.subarray(0, i), der.subarray(i + 1 + (value % 8))]);
      else if (kind === 2) der = Buffer.concat([der.subarray(0, i), Buffer.from([value]), der.subarray(i)]);
      else der = der.subarray(0, i);
    }
    return der;
  });

const certArbitrary: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.integer({ min: 0, max: 255 }),
    fc.oneof(
      { weight: 8, arbitrary: mutatedDer },
      {
        weight: 1,
        arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.concat([Buffer.from([0x30]), Buffer.from(b)])),
      },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
    ),
  )
  .map(([mode, der]) => Buffer.concat([Buffer.from([mode]), der]));

function runCert(input: Buffer): void {
  if (input.length < 1) return;
  const mode = input[0]!;
  const der = input.subarray(1);
  const pem = derToPem(der, 'CERTIFICATE');
  const arg = (mode & MODE_PEM_STRING) !== 0 ? pem : (mode & MODE_PEM_BYTES) !== 0 ? Buffer.from(pem) : der;
  const info = typed(() => inspectCert(arg), 'inspectCert');
  if (info === undefined) return;
  check(/^sha256:[0-9a-f]{64}$/.test(info.fingerprint), `fingerprint ${info.fingerprint} is not sha256:<hex>`);
  check(typeof info.subject === 'string' && typeof info.serial === 'string', 'subject or serial is not a string');
  // A report that prints: dates may be invalid, but formatting them must not throw.
  try {
    JSON.stringify(info);
  } catch (err) {
    throw untyped(err, 'the inspectCert report does not serialize');
  }
}

/** Certificate parsing. */
export const pkiCertTarget: FuzzTarget = {
  name: 'pki-cert',
  about:
    'inspectCert on mutated DER (RSA/EC/Ed25519/PSS seeds with many extensions) as DER, PEM bytes or PEM text; PKI errors only',
  arbitrary: certArbitrary,
  maxInputBytes: MAX_CERT_INPUT,
  ciRuns: 300,
  seeds: () => ders().map((d, i) => Buffer.concat([Buffer.from([i]), d])),
  run: runCert,
};

/** Texts for inline CA data: prefixed hex/base64 of (mutated) DER or PEM, bare hex, PEM with odd bodies, junk. */
const caText: fc.Arbitrary<string> = fc.oneof(
  mutatedDer.map((d) => 'hex:' + d.toString('hex')),
  mutatedDer.map((d) => 'base64:' + d.toString('base64')),
  mutatedDer.map((d) => derToPem(d, 'CERTIFICATE')),
  mutatedDer.map((d) => 'HEX:' + Buffer.from(derToPem(d, 'CERTIFICATE')).toString('hex')),
  mutatedDer.map((d) => d.toString('hex').replace(/(..)/g, '$1:')),
  fc
    .tuple(fc.string({ maxLength: 30 }), fc.constantFrom('CERTIFICATE', 'X509 CRL', 'PRIVATE KEY', 'certificate', ''))
    .map(([body, label]) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`),
  fc.constantFrom(
    '-----BEGIN CERTIFICATE-----',
    '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----',
    'hex:',
    'base64:',
    'base64:====',
    'hex:0',
    '30',
    ' \n ',
  ),
  fc.string({ maxLength: 40 }),
);
/** Texts for fingerprints: right, wrong length, odd colons, other prefixes. */
const fingerprintText: fc.Arbitrary<string> = fc.oneof(
  fc.uint8Array({ minLength: 31, maxLength: 33 }).map((b) => 'sha256:' + Buffer.from(b).toString('hex')),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => formatFingerprint(Buffer.from(b).toString('hex'))),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map(
    (b) =>
      'SHA256:' +
      Buffer.from(b)
        .toString('hex')
        .replace(/(....)/g, '$1:'),
  ),
  fc.string({ maxLength: 80 }),
);

const textArbitrary: fc.Arbitrary<Buffer> = fc.oneof(caText, fingerprintText).map((s) => Buffer.from(s, 'utf8'));

function runText(input: Buffer): void {
  const text = input.toString('utf8');
  const pem = typed(() => parseCaData(text), 'parseCaData');
  if (pem !== undefined) {
    check(pem.includes('-----BEGIN CERTIFICATE-----'), 'parseCaData accepted data without a certificate');
    const again = typed(() => parseCaData(pem), 'parseCaData of its own output');
    check(again === pem, 'parseCaData is not stable on its own output');
  }
  try {
    decodeCaData(text);
  } catch (err) {
    if (!(err instanceof BurrowError)) throw untyped(err, 'decodeCaData');
  }
  const fp = typed(() => parseFingerprint(text), 'parseFingerprint');
  if (fp !== undefined) {
    check(/^sha256:[0-9a-f]{64}$/.test(fp), `parseFingerprint returned ${fp}`);
    check(
      typed(() => parseFingerprint(formatFingerprint(fp)), 'parseFingerprint(formatFingerprint(fp))') === fp,
      'fingerprint format/parse round trip differs',
    );
  }
}

/** Inline CA data and fingerprints. */
export const pkiTextTarget: FuzzTarget = {
  name: 'pki-text',
  about:
    'parseCaData / decodeCaData (PEM, hex:, base64:, bare hex of mutated certs) and parseFingerprint; typed errors, stable outputs',
  arbitrary: textArbitrary,
  maxInputBytes: MAX_TEXT_INPUT,
  ciRuns: 300,
  seeds: () => [
    ...ders()
      .slice(0, 2)
      .map((d) => Buffer.from('hex:' + d.toString('hex'))),
    Buffer.from('sha256:' + 'ab'.repeat(32)),
  ],
  run: runText,
};
