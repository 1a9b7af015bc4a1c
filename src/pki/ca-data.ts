// Inline CA data: export a CA as PEM / hex / base64 text (reading it back is in ca-data-parse.ts).
import { BurrowError, ErrorCode } from '../errors.js';
import { BASE64_PREFIX, HEX_PREFIX } from './ca-data-parse.js';
import { caPaths, parseCertPem } from './ca-store.js';
import { readTextFile } from './files.js';
import { derToPem } from './pem.js';

export { BASE64_PREFIX, HEX_PREFIX, parseCaData } from './ca-data-parse.js';

/** Output formats of exportCa. */
export const CA_EXPORT_FORMATS = ['pem', 'hex', 'base64'] as const;

/** One of CA_EXPORT_FORMATS. */
export type CaExportFormat = (typeof CA_EXPORT_FORMATS)[number];

/**
 * The CA certificate of DIR/ca.crt as text for config or command lines: "pem" (the PEM block),
 * "hex" ("hex:" + DER in hex) or "base64" ("base64:" + DER in base64). The prefixes are part of
 * the output, so it pastes as is into `transport.tls.trustedCaData` (see parseCaData).
 */
export async function exportCa(opts: { dir: string; format: CaExportFormat }): Promise<string> {
  if (!(CA_EXPORT_FORMATS as readonly string[]).includes(opts.format)) {
    throw new BurrowError(
      ErrorCode.USAGE,
      `unknown format "${opts.format}": expected one of ${CA_EXPORT_FORMATS.join(', ')}`,
    );
  }
  const paths = caPaths(opts.dir);
  const cert = parseCertPem(await readTextFile(paths.cert, 'CA certificate'), `CA certificate ${paths.cert}`);
  const der = Buffer.from(cert.rawData);
  if (opts.format === 'pem') return derToPem(der, 'CERTIFICATE');
  if (opts.format === 'hex') return HEX_PREFIX + der.toString('hex');
  return BASE64_PREFIX + der.toString('base64');
}
