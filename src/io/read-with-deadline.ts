// The one "read from a stream until a step is done, within a deadline" primitive under the sniffers and message readers.
import type { Readable } from 'node:stream';
import { BurrowError, ErrorCode } from '../errors.js';

/** A `timeoutMs` meaning "wait as long as it takes". */
export const NO_DEADLINE = 0;

/**
 * The mode a read leaves the stream in, "released" meaning as Node leaves it once the last
 * 'readable' listener is gone: flowing again when it has 'data' listeners, else in no mode, so
 * whatever reads next (a 'data' listener, pipe, TLSSocket) starts it, even after a pause() made
 * before (as `pauseOnConnect` makes). 'as-node': what a paused-mode read does, no change when the
 * bytes are already buffered (no listener is added), released after a wait (the message readers).
 * 'released': released in every case (the sniffers, which hand the stream to any next reader).
 * 'paused': explicitly paused in every case, only pipe or resume() start it.
 */
export type ModeAfterRead = 'as-node' | 'released' | 'paused';

/**
 * One read, as the primitive drives it. `step` takes what it needs from the stream in paused mode
 * (`stream.read(n)`, putting back with `unshift` what it must leave) and returns the result, or
 * undefined to wait for more bytes; a throw fails the read with that error. The texts name what
 * was awaited in the TIMEOUT and UNEXPECTED_EOF errors. A class instance serves best: one
 * allocation per read, no closures.
 */
export interface DeadlineRead<T> {
  step(stream: Readable): T | undefined;
  /** Text of the TIMEOUT error. */
  timedOut(stream: Readable, timeoutMs: number): string;
  /** Text of the UNEXPECTED_EOF error when the stream ends or closes first. */
  ended(stream: Readable): string;
}

/**
 * Runs `read.step` now and on every 'readable' until it returns a value. Resolves with it; rejects
 * with the step's own error, the stream's error, BurrowError TIMEOUT after `timeoutMs`
 * (NO_DEADLINE = none) or UNEXPECTED_EOF when the stream ends, closes or has already ended. Every
 * listener is removed and the timer cleared however it ends (with 'as-node', a step done at once
 * sets up neither), and the stream is left as `after` says. Do not run two reads on one stream at once.
 */
export function readWithDeadline<T>(
  stream: Readable,
  read: DeadlineRead<T>,
  timeoutMs: number,
  after: ModeAfterRead = 'as-node',
): Promise<T> {
  if (after !== 'as-node') return waitFor(stream, read, timeoutMs, after === 'paused');
  // The hot path of the message readers: bytes already buffered cost no listener, timer or closure.
  let value: T | undefined;
  try {
    value = read.step(stream);
  } catch (err) {
    return Promise.reject(asError(err));
  }
  if (value !== undefined) return Promise.resolve(value);
  if (stream.errored) return Promise.reject(stream.errored);
  if (stream.destroyed || stream.readableEnded) return Promise.reject(endedError(stream, read));
  return waitFor(stream, read, timeoutMs, false);
}

/** The waiting half: listeners first (releasing the stream when removed), then a step right away. */
function waitFor<T>(stream: Readable, read: DeadlineRead<T>, timeoutMs: number, leavePaused: boolean): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
      if (leavePaused) pauseAfterRelease(stream);
      return true;
    };
    const onReadable = (): void => {
      let got: T | undefined;
      try {
        got = read.step(stream);
      } catch (err) {
        if (settle()) reject(asError(err));
        return;
      }
      if (got !== undefined && settle()) resolve(got); // undefined: wait for the next 'readable'
    };
    const onEnd = (): void => {
      if (settle()) reject(stream.errored ?? endedError(stream, read));
    };
    const onError = (err: Error): void => {
      if (settle()) reject(err);
    };
    // A 'readable' listener holds the stream in paused mode: nothing flows past the step.
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', onError);
    onReadable();
    // An ended or destroyed stream emits no further 'end' or 'close' for us.
    if (!settled && (stream.destroyed || stream.readableEnded)) onEnd();
    if (!settled && timeoutMs > NO_DEADLINE) {
      timer = setTimeout(() => {
        if (settle()) reject(new BurrowError(ErrorCode.TIMEOUT, read.timedOut(stream, timeoutMs)));
      }, timeoutMs);
    }
  });
}

/**
 * Removing the last 'readable' listener releases the stream on the next tick (Node's
 * updateReadableListening), which would undo a pause() made now: pause on the tick queued behind it.
 */
function pauseAfterRelease(stream: Readable): void {
  process.nextTick(pauseAgain, stream);
}

function pauseAgain(stream: Readable): void {
  stream.pause();
}

/**
 * The chunk `stream.read()` returned, as bytes; BurrowError INTERNAL for a stream with an encoding
 * or in object mode, which the byte readers cannot serve.
 */
export function asBytes(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  throw new BurrowError(ErrorCode.INTERNAL, 'a byte read needs a byte stream (no encoding, not object mode)');
}

function endedError(stream: Readable, read: DeadlineRead<unknown>): BurrowError {
  return new BurrowError(ErrorCode.UNEXPECTED_EOF, read.ended(stream));
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
