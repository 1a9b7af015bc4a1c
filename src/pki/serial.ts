// Certificate serial numbers: random 128-bit positive serials and the canonical hex form we compare.
import { BurrowError, ErrorCode } from '../errors.js';
import { webcrypto } from './crypto-provider.js';

/** Serial number size: 128 random bits (RFC 5280 allows up to 20 octets). */
const SERIAL_BYTES = 16;

/** Longest serial RFC 5280 allows, in hex digits (20 octets). */
const MAX_SERIAL_HEX = 40;

/** A random positive serial as hex: top bit cleared (positive INTEGER), first octet non-zero (minimal DER). */
export function randomSerialHex(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(SERIAL_BYTES));
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return Buffer.from(bytes).toString('hex');
}

/**
 * Canonical serial: lowercase hex, no colons, no "0x", no leading zero octets (so "00:8F:AB" and
 * "8fab" compare equal). Throws BurrowError(USAGE) when `s` is not a hex serial.
 */
export function normalizeSerial(s: string): string {
  const hex = s.trim().replace(/^0x/i, '').replace(/:/g, '').toLowerCase();
  if (hex.length === 0 || hex.length > MAX_SERIAL_HEX + 2 || !/^[0-9a-f]+$/.test(hex)) {
    throw new BurrowError(
      ErrorCode.USAGE,
      `invalid serial "${s}": expected up to ${MAX_SERIAL_HEX} hex digits (colons allowed)`,
    );
  }
  const stripped = hex.replace(/^0+/, '');
  if (stripped === '') return '00';
  return stripped.length % 2 === 1 ? `0${stripped}` : stripped;
}

/** Display form of a serial: upper-case colon pairs, like openssl prints it. */
export function formatSerial(serial: string): string {
  return (normalizeSerial(serial).toUpperCase().match(/.{2}/g) ?? []).join(':');
}
