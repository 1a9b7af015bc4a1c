// The health monitor: starts unhealthy, turns healthy on the first success, unhealthy after maxFailed failures in a row (reset by a success).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HealthMonitor, type HealthProbe } from '../../../src/client/health/monitor.js';
import { silentLogger } from '../../../src/log.js';

/** Pause between checks in these tests. */
const INTERVAL_MS = 5;
/** Longest a scripted run may take. */
const RUN_TIMEOUT_MS = 5_000;

/** Runs a monitor over scripted probe results ('ok' / 'fail') and resolves with the transitions seen. */
async function run(
  script: readonly ('ok' | 'fail')[],
  maxFailed: number,
): Promise<{ changes: boolean[]; monitor: HealthMonitor }> {
  const changes: boolean[] = [];
  let step = 0;
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const probe: HealthProbe = () => {
    const result = script[step];
    step += 1;
    if (step >= script.length) setImmediate(finished);
    return result === 'ok' ? Promise.resolve() : Promise.reject(new Error(`failure at check ${step}`));
  };
  const monitor = new HealthMonitor({
    probe,
    intervalMs: INTERVAL_MS,
    maxFailed,
    onChange: (healthy) => changes.push(healthy),
    proxy: 'p',
    logger: silentLogger(),
  });
  monitor.start();
  const timer = setTimeout(() => assert.fail(`script not run within ${RUN_TIMEOUT_MS} ms`), RUN_TIMEOUT_MS);
  await done;
  clearTimeout(timer);
  monitor.stop();
  return { changes, monitor };
}

describe('HealthMonitor', () => {
  it('reports nothing while the first checks fail, then healthy on the first success', async () => {
    const { changes, monitor } = await run(['fail', 'fail', 'fail', 'ok'], 1);
    assert.deepEqual(changes, [true]);
    assert.equal(monitor.healthy, true);
    assert.equal(monitor.consecutiveFailures, 0);
  });

  it('turns unhealthy after maxFailed failures in a row, and healthy again on a success', async () => {
    const { changes, monitor } = await run(['ok', 'fail', 'fail', 'fail', 'ok', 'ok'], 3);
    assert.deepEqual(changes, [true, false, true]);
    assert.equal(monitor.healthy, true);
  });

  it('counts consecutive failures only: a success in between resets the count', async () => {
    const { changes, monitor } = await run(['ok', 'fail', 'fail', 'ok', 'fail', 'fail', 'ok', 'fail'], 3);
    assert.deepEqual(changes, [true], 'never three failures in a row');
    assert.equal(monitor.consecutiveFailures, 1);
    assert.match(monitor.lastError, /failure at check 8/);
  });

  it('with maxFailed 1, one failure takes it down', async () => {
    const { changes, monitor } = await run(['ok', 'fail'], 1);
    assert.deepEqual(changes, [true, false]);
    assert.equal(monitor.healthy, false);
  });

  it('checks no more after stop(), which aborts a check under way and drops its result', async () => {
    let checks = 0;
    let release: () => void = () => undefined;
    let aborted = false;
    const changes: boolean[] = [];
    const monitor = new HealthMonitor({
      probe: (signal) => {
        checks += 1;
        signal.addEventListener('abort', () => (aborted = true));
        return new Promise<void>((resolve) => (release = resolve));
      },
      intervalMs: INTERVAL_MS,
      maxFailed: 1,
      onChange: (healthy) => changes.push(healthy),
      proxy: 'p',
      logger: silentLogger(),
    });
    monitor.start();
    monitor.stop();
    assert.equal(aborted, true, 'stop() aborts the check under way');
    release();
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 10));
    assert.equal(checks, 1);
    assert.deepEqual(changes, []);
  });

  it('keeps checking when the transition handler throws', async () => {
    let checks = 0;
    const monitor = new HealthMonitor({
      probe: () => {
        checks += 1;
        return Promise.resolve();
      },
      intervalMs: INTERVAL_MS,
      maxFailed: 1,
      onChange: () => {
        throw new Error('handler bug');
      },
      proxy: 'p',
      logger: silentLogger(),
    });
    monitor.start();
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 20));
    monitor.stop();
    assert.ok(checks >= 3, `checks went on (${checks})`);
  });
});
