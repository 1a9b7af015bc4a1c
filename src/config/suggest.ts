// "Did you mean ...?" for unknown config keys: closest known key by case-insensitive edit distance.

/** Keys up to this length may be off by one edit; longer keys by more (see maxDistance). */
const SHORT_KEY_LENGTH = 4;
/** Keys up to this length may be off by two edits; longer ones by three. */
const MEDIUM_KEY_LENGTH = 8;

/** How many edits a key of this length may be away from a known key to be suggested. */
function maxDistance(length: number): number {
  if (length <= SHORT_KEY_LENGTH) return 1;
  if (length <= MEDIUM_KEY_LENGTH) return 2;
  return 3;
}

/** Lower case without `_` and `-`, so `bind_port` and `BindPort` both meet `bindPort`. */
function normalise(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/** Levenshtein distance between two strings. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known key closest to `key` (ignoring case, `_` and `-`), or undefined when none is close. */
export function suggestKey(key: string, known: Iterable<string>): string | undefined {
  const wanted = normalise(key);
  let best: string | undefined;
  let bestDistance = maxDistance(wanted.length) + 1;
  for (const candidate of known) {
    const d = editDistance(wanted, normalise(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
