// webServer.pprofEnable: Node's CPU and heap profiles under frp's /debug/pprof/ paths, taken through the in-process inspector (no debugging port is opened).
import { Session } from 'node:inspector/promises';
import { HttpError, type Reply } from './http.js';
import type { Route } from './router.js';

/** Seconds a CPU profile runs when `?seconds=` is not given (Go's pprof default). */
export const PPROF_DEFAULT_SECONDS = 30;
/** Longest CPU profile one request may ask for. */
export const PPROF_MAX_SECONDS = 60;
/** Average bytes between two sampled allocations of the heap profile (Go's MemProfileRate, 512 KiB). */
export const HEAP_SAMPLING_INTERVAL_BYTES = 512 * 1024;

const MS_PER_SECOND = 1000;

/** What /debug/pprof/ lists. */
const INDEX = [
  'burrow profiles (Node.js; open them in Chrome DevTools or any tool that reads these formats):',
  '',
  `/debug/pprof/profile?seconds=N  CPU profile over N seconds (default ${PPROF_DEFAULT_SECONDS}, at most ${PPROF_MAX_SECONDS}), .cpuprofile JSON`,
  '/debug/pprof/heap               sampled heap allocations still live since the admin API started, .heapprofile JSON',
  '',
  "Go's other profiles (goroutine, block, mutex, trace, cmdline, symbol) have no Node equivalent.",
  '',
].join('\n');

/** The `?seconds=` of a CPU profile request: a whole number 1..PPROF_MAX_SECONDS. */
export function profileSeconds(query: URLSearchParams): number {
  const raw = query.get('seconds');
  if (raw === null || raw === '') return PPROF_DEFAULT_SECONDS;
  const seconds = Number(raw);
  if (!/^\d+$/.test(raw) || seconds < 1 || seconds > PPROF_MAX_SECONDS)
    throw new HttpError(400, `seconds must be a whole number 1-${PPROF_MAX_SECONDS}, got ${JSON.stringify(raw)}`);
  return seconds;
}

/** A profile as a download. */
function download(profile: unknown, name: string): Reply {
  return {
    status: 200,
    body: Buffer.from(JSON.stringify(profile)),
    contentType: 'application/json',
    headers: { 'Content-Disposition': `attachment; filename="${name}"` },
  };
}

/**
 * The process's profiler: an inspector session, heap sampling from its start (so /heap answers at
 * once, as Go's), and at most one CPU profile at a time.
 */
export class NodeProfiler {
  private readonly session = new Session();
  /** Heap sampling's start: undefined once running, or why it failed (kept for /heap, never left unhandled). */
  private readonly sampling: Promise<Error | undefined>;
  private cpuBusy = false;
  private closed = false;
  /** Ends a running CPU profile's wait early (close()). */
  private wake: (() => void) | undefined;

  constructor() {
    this.session.connect();
    this.sampling = this.session
      .post('HeapProfiler.startSampling', { samplingInterval: HEAP_SAMPLING_INTERVAL_BYTES })
      .then(
        () => undefined,
        (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
      );
  }

  /** Profiles the CPU for `seconds`; HttpError 409 while another CPU profile runs. */
  async cpuProfile(seconds: number): Promise<unknown> {
    if (this.cpuBusy) throw new HttpError(409, 'a CPU profile is already running; try again when it is done');
    this.cpuBusy = true;
    try {
      await this.session.post('Profiler.enable');
      await this.session.post('Profiler.start');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, seconds * MS_PER_SECOND);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
      if (this.closed) throw new HttpError(503, 'the admin API is closing');
      const { profile } = await this.session.post('Profiler.stop');
      await this.session.post('Profiler.disable');
      return profile;
    } finally {
      this.cpuBusy = false;
    }
  }

  /** The sampled heap profile: allocations sampled since the start that are still live. */
  async heapProfile(): Promise<unknown> {
    const failed = await this.sampling;
    if (failed !== undefined) throw new HttpError(500, `heap sampling could not start: ${failed.message}`);
    const { profile } = await this.session.post('HeapProfiler.getSamplingProfile');
    return profile;
  }

  /** Ends the session (a running CPU profile's request then gets 503). */
  close(): void {
    this.closed = true;
    this.wake?.();
    this.session.disconnect();
  }
}

/** frp's pprof paths that Node can answer; the others get the router's 404. */
export function pprofRoutes(profiler: NodeProfiler): Route[] {
  return [
    { method: 'GET', pattern: '/debug/pprof', handler: () => ({ status: 200, text: INDEX }) },
    {
      method: 'GET',
      pattern: '/debug/pprof/profile',
      handler: async (ctx) => download(await profiler.cpuProfile(profileSeconds(ctx.query)), 'burrow.cpuprofile'),
    },
    {
      method: 'GET',
      pattern: '/debug/pprof/heap',
      handler: async () => download(await profiler.heapProfile(), 'burrow.heapprofile'),
    },
  ];
}
