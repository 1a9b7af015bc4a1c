// Runs one input of a target and turns every broken invariant (throw, untyped error, stray exception, hang) into a Finding.
import { BurrowError } from '../../../src/errors.js';
import { type FuzzTarget, tick } from './target.js';

/** A broken invariant and the input that broke it. */
export interface Finding {
  target: string;
  /** First line of what went wrong. */
  message: string;
  /** Stack or detail, for the note saved beside the input. */
  detail: string;
  input: Buffer;
}

/** Errors raised outside the input's own call chain (a throwing timer, an 'error' event nobody heard). */
const stray: unknown[] = [];
let listening = false;

/** Starts collecting uncaught exceptions and unhandled rejections (once per process or worker). */
export function catchStrayErrors(): void {
  if (listening) return;
  listening = true;
  process.on('uncaughtException', (err) => stray.push(err));
  process.on('unhandledRejection', (err) => stray.push(err));
}

/** The message of a thrown value, as a finding reports it. */
function describeThrown(err: unknown): { message: string; detail: string } {
  if (err instanceof Error) {
    const kind = err instanceof BurrowError ? `BurrowError ${err.code} escaped the target` : err.name;
    return { message: `${kind}: ${err.message.split('\n')[0]}`, detail: err.stack ?? err.message };
  }
  return { message: `non-Error thrown: ${String(err)}`, detail: String(err) };
}

/** Runs `input`; resolves to undefined when every invariant held, else to the Finding. */
export async function runInput(target: FuzzTarget, input: Buffer): Promise<Finding | undefined> {
  let finding: Finding | undefined;
  try {
    const r = target.run(input);
    if (r !== undefined) {
      await r;
      await tick(); // let late 'error' events and rejections of this input surface now
    }
  } catch (err) {
    finding = { target: target.name, ...describeThrown(err), input };
  }
  if (stray.length > 0) {
    const err = stray.shift();
    stray.length = 0;
    const d = describeThrown(err);
    finding ??= { target: target.name, message: `uncaught: ${d.message}`, detail: d.detail, input };
  }
  return finding;
}

/** A finding's message with numbers blurred, so one bug found with many inputs is reported once. */
export function signature(f: Finding): string {
  return f.message
    .replace(/0x[0-9a-f]+/gi, 'N')
    .replace(/\d+/g, 'N')
    .slice(0, 160);
}
