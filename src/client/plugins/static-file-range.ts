// The Range header of the static_file plugin: one byte range, or none (RFC 9110 §14), and the answer to it.

/** A satisfiable byte range, both ends inclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * What a Range header asks of a file of `size` bytes: 'all' (no header, another unit, several
 * ranges, or a malformed one: the whole file is sent, as RFC 9110 lets a server do), one range, or
 * 'unsatisfiable' (416) when the only range starts past the end.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'all' | 'unsatisfiable' {
  if (header === undefined) return 'all';
  const m = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header.trim());
  if (!m) return 'all';
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return 'all';
  if (first === '') {
    // "bytes=-N": the last N bytes.
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return 'all';
  return { start, end };
}
