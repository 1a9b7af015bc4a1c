// The shape of a fuzz target and the helpers every target shares: typed-error checks, findings, chunking, a PRNG.
import type fc from 'fast-check';
import { BurrowError } from '../../../src/errors.js';

/** Longest one async input may take before it counts as a hang (sync targets are watched by the runner). */
export const INPUT_TIME_LIMIT_MS = 2_000;

/** One fuzz target: a pure function or an in-memory stream of burrow fed hostile bytes. */
export interface FuzzTarget {
  /** Short name: the corpus folder and the runner's --target value. */
  readonly name: string;
  /** One line: what is fed, what is checked. */
  readonly about: string;
  /** Structure-aware inputs (valid-shaped frames, messages, configs, with holes), as bytes. */
  readonly arbitrary: fc.Arbitrary<Buffer>;
  /** Largest input the runner builds for this target; mutations are cut to it. */
  readonly maxInputBytes: number;
  /** Inputs per target in the short CI pass (the *.test.ts files). */
  readonly ciRuns: number;
  /** Valid inputs the mutator starts from, besides the saved corpus. */
  seeds(): Buffer[];
  /**
   * Runs one input. Returns normally when every invariant held; any throw (even a BurrowError, which
   * targets catch with typed() where it is an allowed outcome) reports a finding.
   */
  run(input: Buffer): void | Promise<void>;
}

/** An invariant of a target was broken (thrown by the targets themselves, never by burrow). */
export class FuzzFinding extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FuzzFinding';
  }
}

/** Fails with a FuzzFinding saying `what` when `cond` is false. */
export function check(cond: boolean, what: string): asserts cond {
  if (!cond) throw new FuzzFinding(what);
}

/**
 * Runs `fn`: its result, or undefined when it threw a BurrowError (the allowed failure). Any other
 * thrown value is a finding: a TypeError, RangeError or plain Error means an unchecked path.
 */
export function typed<T>(fn: () => T, what: string): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (err instanceof BurrowError) return undefined;
    throw untyped(err, what);
  }
}

/** Runs `fn`, which must not throw at all (e.g. re-encoding what was decoded); any throw is a finding. */
export function mustWork<T>(fn: () => T, what: string): T {
  try {
    return fn();
  } catch (err) {
    throw err instanceof FuzzFinding
      ? err
      : new FuzzFinding(`${what} threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, {
          cause: err,
        });
  }
}

/** Async form of typed(). */
export async function typedAsync<T>(fn: () => Promise<T>, what: string): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof BurrowError) return undefined;
    throw untyped(err, what);
  }
}

/** The finding for an error that is not a BurrowError (or re-throws a FuzzFinding as is). */
export function untyped(err: unknown, what: string): Error {
  if (err instanceof FuzzFinding) return err;
  const kind = err instanceof Error ? err.name : typeof err;
  const message = err instanceof Error ? err.message : String(err);
  return new FuzzFinding(`${what}: untyped ${kind}: ${message}`, { cause: err });
}

/** True for an error burrow is allowed to report (a BurrowError); a finding otherwise. */
export function checkTypedError(err: unknown, what: string): void {
  if (err !== undefined && err !== null && !(err instanceof BurrowError)) throw untyped(err, what);
}

/**
 * For event listeners, where a throw would land inside the code under test (and might be caught
 * there): records the finding for a non-BurrowError in `into`, to be thrown by the target later.
 */
export function noteTypedError(into: Error[], err: unknown, what: string): void {
  if (err !== undefined && err !== null && !(err instanceof BurrowError)) into.push(untyped(err, what));
}

/** Throws the first finding recorded by noteTypedError, if any. */
export function throwNoted(found: readonly Error[]): void {
  if (found.length > 0) throw found[0]!;
}

/** A small deterministic PRNG (xorshift32) so every input replays the same way. */
export function prng(seed: number): () => number {
  let x = seed | 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

/** Largest piece split() cuts when it picks a "large" piece. */
const LARGE_PIECE = 4096;

/**
 * Splits `data` into pieces as a network would deliver it, deterministically from `seed`: mostly
 * small pieces (1..16 bytes), sometimes large ones, sometimes all at once.
 */
export function split(data: Buffer, seed: number): Buffer[] {
  const rand = prng(seed * 2654435761 + 1);
  if (seed % 5 === 0) return data.length === 0 ? [] : [data];
  const out: Buffer[] = [];
  for (let pos = 0; pos < data.length;) {
    const r = rand();
    const size = r < 0.7 ? 1 + Math.floor(rand() * 16) : 1 + Math.floor(rand() * LARGE_PIECE);
    out.push(data.subarray(pos, pos + size));
    pos += size;
  }
  return out;
}

/** Resolves after the pending I/O callbacks of this turn (lets streams settle). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Rejects with a FuzzFinding (a hang) when `p` does not settle within `ms`. */
export async function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FuzzFinding(`${what}: no result within ${ms} ms (hang)`)), ms);
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}
