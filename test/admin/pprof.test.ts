// webServer.pprofEnable's profiler: the seconds parameter's bounds, a real CPU and heap profile from the in-process inspector, one CPU profile at a time.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { HttpError } from '../../src/admin/http.js';
import { NodeProfiler, PPROF_DEFAULT_SECONDS, PPROF_MAX_SECONDS, profileSeconds } from '../../src/admin/pprof.js';

const profiler = new NodeProfiler();
after(() => profiler.close());

test('seconds: default, bounds and junk', () => {
  assert.equal(profileSeconds(new URLSearchParams('')), PPROF_DEFAULT_SECONDS);
  assert.equal(profileSeconds(new URLSearchParams('seconds=2')), 2);
  assert.equal(profileSeconds(new URLSearchParams(`seconds=${PPROF_MAX_SECONDS}`)), PPROF_MAX_SECONDS);
  for (const bad of ['0', '-1', '1.5', 'x', String(PPROF_MAX_SECONDS + 1), '1e1'])
    assert.throws(
      () => profileSeconds(new URLSearchParams({ seconds: bad })),
      (err: unknown) => err instanceof HttpError && err.status === 400,
      bad,
    );
});

test('a CPU profile has samples over its time; a second one at once is refused with 409; the heap profile has a tree', async () => {
  const running = profiler.cpuProfile(1);
  await assert.rejects(profiler.cpuProfile(1), (err: unknown) => err instanceof HttpError && err.status === 409);
  const cpu = (await running) as { nodes: unknown[]; startTime: number; endTime: number };
  assert.ok(Array.isArray(cpu.nodes) && cpu.nodes.length > 0);
  assert.ok(cpu.endTime - cpu.startTime >= 900_000, `profile spans ${cpu.endTime - cpu.startTime} µs`);
  const heap = (await profiler.heapProfile()) as { head: { children: unknown[] } };
  assert.ok(Array.isArray(heap.head.children));
});
