// TrafficMeter: connection counts, bytes each way, and the seven-day history rolling at UTC midnight.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TRAFFIC_HISTORY_DAYS, TrafficMeter } from '../../src/server/traffic.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('TrafficMeter', () => {
  it('counts connections and bytes through a relay tally', () => {
    const meter = new TrafficMeter(() => 0);
    const tally = meter.userRelay();
    assert.equal(meter.curConns, 1);
    tally.aToB(10);
    tally.bToA(25);
    tally.done?.();
    assert.equal(meter.curConns, 0);
    assert.equal(meter.totalConns, 1);
    assert.deepEqual([meter.totalIn, meter.totalOut], [10, 25]);
    assert.deepEqual(meter.today(), { in: 10, out: 25 });
  });

  it('never counts below zero open connections', () => {
    const meter = new TrafficMeter();
    meter.connClosed();
    assert.equal(meter.curConns, 0);
  });

  it('keeps seven days, today first, and rolls over days that passed', () => {
    let now = 5 * DAY_MS;
    const meter = new TrafficMeter(() => now);
    meter.addIn(1);
    now += DAY_MS;
    meter.addIn(2);
    now += 2 * DAY_MS;
    meter.addOut(7);
    const { trafficIn, trafficOut } = meter.history();
    assert.equal(trafficIn.length, TRAFFIC_HISTORY_DAYS);
    assert.deepEqual(trafficIn, [0, 0, 2, 1, 0, 0, 0]);
    assert.deepEqual(trafficOut, [7, 0, 0, 0, 0, 0, 0]);
    now += 30 * DAY_MS;
    assert.deepEqual(meter.history().trafficIn, [0, 0, 0, 0, 0, 0, 0]);
    assert.equal(meter.totalIn, 3);
  });

  it('reports every count to its listeners', () => {
    const meter = new TrafficMeter();
    const seen: string[] = [];
    meter.onBytes = (direction, bytes) => seen.push(`${direction}:${bytes}`);
    meter.onConn = (delta) => seen.push(`conn:${delta}`);
    meter.connOpened();
    meter.addIn(3);
    meter.addOut(4);
    meter.connClosed();
    assert.deepEqual(seen, ['conn:1', 'in:3', 'out:4', 'conn:-1']);
  });
});
