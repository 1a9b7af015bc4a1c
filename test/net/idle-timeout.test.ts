// IdleTimer and relayWithIdleTimeout(): silent relays are destroyed with a TIMEOUT, busy ones are left alone.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { IdleTimer, relayWithIdleTimeout } from '../../src/net/idle-timeout.js';
import { socketPair } from './helpers.js';

/** The idle timeout the relay tests use: short, but far above timer jitter. */
const IDLE_MS = 300;
/** A relay that stays busy is fed this often (well inside IDLE_MS). */
const TRICKLE_EVERY_MS = 50;
/** ... this many times: the relay lives several idle periods. */
const TRICKLE_COUNT = 20;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('IdleTimer', () => {
  it('fires once after the idle time, later when touched, never after stop()', async () => {
    let fired = 0;
    const started = Date.now();
    const timer = new IdleTimer(400, () => (fired += 1));
    await sleep(150);
    timer.touch();
    await sleep(150);
    assert.equal(fired, 0, 'a touch 150 ms in pushed the deadline to ~550 ms');
    await sleep(500);
    assert.equal(fired, 1);
    assert.ok(Date.now() - started >= 550);
    await sleep(450);
    assert.equal(fired, 1, 'fires only once');

    let stoppedFired = 0;
    const stopped = new IdleTimer(50, () => (stoppedFired += 1));
    stopped.stop();
    await sleep(120);
    assert.equal(stoppedFired, 0);
  });

  it('refuses a non-positive idle time', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(
        () => new IdleTimer(bad, () => undefined),
        (err: unknown) => isBurrowError(err, ErrorCode.CONFIG),
        String(bad),
      );
    }
  });
});

describe('relayWithIdleTimeout', () => {
  it('destroys both sides of a silent relay and resolves with a TIMEOUT error', async () => {
    const [user, userSide, closeA] = await socketPair();
    const [serviceSide, service, closeB] = await socketPair();
    for (const s of [user, service]) {
      s.on('error', () => undefined);
      s.resume();
    }
    const ended = Promise.all([once(user, 'end'), once(service, 'end')]);
    const started = Date.now();
    const result = await relayWithIdleTimeout(userSide, serviceSide, IDLE_MS);
    assert.ok(isBurrowError(result.error, ErrorCode.TIMEOUT), String(result.error));
    assert.ok(Date.now() - started >= IDLE_MS - 20, 'not before the idle time');
    assert.ok(userSide.destroyed && serviceSide.destroyed);
    await ended; // the outer ends see the connection go away
    user.destroy();
    service.destroy();
    closeA();
    closeB();
  });

  it('leaves a relay alone while bytes trickle in either direction, and counts them through the tally', async () => {
    const [user, userSide, closeA] = await socketPair();
    const [serviceSide, service, closeB] = await socketPair();
    let up = 0;
    let down = 0;
    let done = 0;
    const relayed = relayWithIdleTimeout(userSide, serviceSide, IDLE_MS, {
      aToB: (n) => (up += n),
      bToA: (n) => (down += n),
      done: () => (done += 1),
    });
    service.resume();
    user.resume();
    // Alternate directions: activity either way keeps it open.
    for (let i = 0; i < TRICKLE_COUNT; i += 1) {
      (i % 2 === 0 ? user : service).write('x');
      await sleep(TRICKLE_EVERY_MS);
    }
    assert.ok(!userSide.destroyed && !serviceSide.destroyed, 'still open after several idle periods of trickle');
    user.end();
    service.end();
    const result = await relayed;
    assert.equal(result.error, undefined);
    assert.equal(up, TRICKLE_COUNT / 2);
    assert.equal(down, TRICKLE_COUNT / 2);
    assert.equal(done, 1);
    closeA();
    closeB();
  });

  it('with idleMs <= 0 it is a plain relay', async () => {
    const [user, userSide, closeA] = await socketPair();
    const [serviceSide, service, closeB] = await socketPair();
    const relayed = relayWithIdleTimeout(userSide, serviceSide, 0);
    service.pipe(service);
    const back: Buffer[] = [];
    user.on('data', (c: Buffer) => back.push(c));
    await sleep(IDLE_MS);
    user.end('ping');
    await once(user, 'end');
    assert.equal(Buffer.concat(back).toString(), 'ping');
    const result = await relayed;
    assert.equal(result.error, undefined);
    closeA();
    closeB();
  });
});
