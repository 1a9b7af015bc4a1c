// The one "read from a stream until a step is done, within a deadline" primitive under the sniffers and message readers.
import type { Readable } from 'node:stream';
import { BurrowError, ErrorCode } from '../errors.js';

/** A `timeoutMs` meaning "wait as long as it takes". */
export const NO_DEADLINE = 0;

/**
 * The mode a read leaves the stream in. 'released': as Node leaves it once the last 'readable'
 * listener is gone: flowing again when it has 'data' listeners, else no mode, so whatever reads
 * next (a 'data' listener, pipe, TLSSocket, another read) starts it; a pause() made before, as
 * `pauseOnConnect` does, is undone too. 'paused': explicitly paused, only pipe or resume() start it.
 */
export type ModeAfterRead = 'released' | 'paused';

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
 * (NO_DEADLINE = none) or UNEXPECTED_EOF when the stream ends, closes or has already ended. When
 * the step is done at once no listener or timer is set up; otherwise every listener is removed and
 * the timer cleared however it ends, and the stream is left as `after` says. Do not run two reads
 * on one stream at once.
 */
export function readWithDeadline<T>(
  stream: Readable,
  read: DeadlineRead<T>,
  timeoutMs: number,
  after: ModeAfterRead = 'released',
): Promise<T> {
  const leavePaused = after === 'paused';
  let value: T | undefined;
  try {
    value = read.step(stream);
  } catch (err) {
    if (leavePaused) stream.pause();
    return Promise.reject(asError(err));
  }
  if (leavePaused) stream.pause(); // no listener was added: the mode is ours to set now
  if (value !== undefined) return Promise.resolve(value);
  if (stream.errored) return Promise.reject(stream.errored);
  if (stream.destroyed || stream.readableEnded) return Promise.reject(endedError(stream, read));

  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const settle = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
      if (leavePaused) pauseAfterRelease(stream);
    };
    const onReadable = (): void => {
      let got: T | undefined;
      try {
        got = read.step(stream);
      } catch (err) {
        settle();
        reject(asError(err));
        return;
      }
      if (got === undefined) return; // not yet: wait for the next 'readable'
      settle();
      resolve(got);
    };
    const onEnd = (): void => {
      settle();
      reject(stream.errored ?? endedError(stream, read));
    };
    const onError = (err: Error): void => {
      settle();
      reject(err);
    };
    // A 'readable' listener holds the stream in paused mode: nothing flows past the step.
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', onError);
    if (timeoutMs > NO_DEADLINE) {
      timer = setTimeout(() => {
        settle();
        reject(new BurrowError(ErrorCode.TIMEOUT, read.timedOut(stream, timeoutMs)));
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
