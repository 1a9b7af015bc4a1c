// Test helper for byte-level tampering: flip bits of one byte, checking the index is inside the buffer.

/** XORs `buf[index]` with `mask` in place; throws RangeError when index is outside the buffer. */
export function xorByte(buf: Uint8Array, index: number, mask: number): void {
  const byte = buf[index];
  if (byte === undefined) throw new RangeError(`byte ${index} is outside a buffer of ${buf.length}`);
  buf[index] = byte ^ mask;
}
