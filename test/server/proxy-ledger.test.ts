// ProxyLedger: online and offline proxies, bounded history of closed ones, totals, metrics that survive a close, idle waits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BurrowMetrics } from '../../src/observe/index.js';
import { silentLogger } from '../../src/log.js';
import type { ServerProxy } from '../../src/server/proxies/proxy.js';
import { ProxyLedger, type ProxyOwnerFacts } from '../../src/server/proxy-ledger.js';
import { TrafficMeter } from '../../src/server/traffic.js';

const OWNER: ProxyOwnerFacts = { runId: 'run-1', user: 'alice', clientId: '', identity: 'alice' };

/** A proxy with a real meter and nothing else behind it. */
function fakeProxy(name: string, type = 'tcp'): ServerProxy {
  return {
    name,
    type,
    owner: {
      runId: 'run-1',
      poolCount: 0,
      encryptionKey: Buffer.alloc(16),
      logger: silentLogger(),
      userConnIdleTimeoutMs: 0,
      getWorkConn: () => Promise.reject(new Error('none')),
    },
    request: { proxy_name: name, proxy_type: type, sk: 'secret' },
    portsUsed: 1,
    meter: new TrafficMeter(),
    start: () => Promise.resolve(':6000'),
    close: () => undefined,
  };
}

/** The value of one series in the metrics text. */
async function sample(metrics: BurrowMetrics, series: string): Promise<number | undefined> {
  const line = (await metrics.metricsText()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('ProxyLedger', () => {
  it('lists a proxy once it started, keeps it offline after close with its counters', () => {
    const ledger = new ProxyLedger(new BurrowMetrics());
    const proxy = fakeProxy('web');
    ledger.register(proxy, OWNER);
    assert.deepEqual(ledger.records(), [], 'not listed while starting');
    ledger.started(proxy, ':6000');
    const tally = proxy.meter.userRelay();
    tally.aToB(100);
    tally.bToA(250);
    assert.equal(ledger.liveConns, 1);
    tally.done?.();
    ledger.closed(proxy);
    const [record] = ledger.records();
    assert.equal(record?.status, 'offline');
    assert.equal(record?.remoteAddr, ':6000');
    assert.ok(record?.closedAt);
    assert.deepEqual(record?.meter.today(), { in: 100, out: 250 });
    assert.deepEqual([ledger.totalIn, ledger.totalOut, ledger.liveConns], [100, 250, 0]);
  });

  it('forgets a proxy that never started', () => {
    const ledger = new ProxyLedger(new BurrowMetrics());
    const proxy = fakeProxy('broken');
    ledger.register(proxy, OWNER);
    ledger.closed(proxy);
    assert.deepEqual(ledger.records(), []);
  });

  it('keeps at most the configured number of offline proxies, oldest forgotten first', () => {
    const ledger = new ProxyLedger(new BurrowMetrics(), 2);
    for (const name of ['a', 'b', 'c']) {
      const proxy = fakeProxy(name);
      ledger.register(proxy, OWNER);
      ledger.started(proxy, '');
      ledger.closed(proxy);
    }
    assert.deepEqual(
      ledger.records().map((r) => r.name),
      ['b', 'c'],
    );
  });

  it('a proxy back under the same name replaces its offline entry and continues its history', () => {
    const ledger = new ProxyLedger(new BurrowMetrics());
    const first = fakeProxy('web');
    ledger.register(first, OWNER);
    ledger.started(first, '');
    first.meter.addOut(1000);
    ledger.closed(first);
    const second = fakeProxy('web');
    ledger.register(second, OWNER);
    ledger.started(second, '');
    second.meter.addOut(5);
    const records = ledger.records();
    assert.equal(records.length, 1);
    assert.equal(records[0]?.status, 'online');
    assert.equal(ledger.byName('web')?.meter.today().out, 1005);
    assert.equal(ledger.byName('web')?.meter.totalOut, 5, 'totals stay per run');
  });

  it('feeds the metrics: bytes pushed at scrape time and kept after close, gauges back to zero', async () => {
    const metrics = new BurrowMetrics();
    const ledger = new ProxyLedger(metrics);
    const proxy = fakeProxy('web');
    ledger.register(proxy, OWNER);
    ledger.started(proxy, '');
    const tally = proxy.meter.userRelay();
    tally.aToB(10);
    assert.equal(await sample(metrics, 'burrow_proxy_bytes_in_total{proxy="web",identity="alice"}'), 10);
    assert.equal(await sample(metrics, 'burrow_proxy_connections{proxy="web",identity="alice"}'), 1);
    assert.equal(await sample(metrics, 'burrow_proxies{type="tcp"}'), 1);
    ledger.closed(proxy);
    // The connection winds down after its proxy closed: still counted.
    tally.aToB(5);
    tally.done?.();
    assert.equal(await sample(metrics, 'burrow_proxy_bytes_in_total{proxy="web",identity="alice"}'), 15);
    assert.equal(await sample(metrics, 'burrow_proxy_connections{proxy="web",identity="alice"}'), 0);
    assert.equal(await sample(metrics, 'burrow_proxy_connections_total{proxy="web",identity="alice"}'), 1);
    assert.equal(await sample(metrics, 'burrow_proxies{type="tcp"}'), 0);
  });

  it('bytes of an offline proxy forgotten before a scrape still reach the counters', async () => {
    const metrics = new BurrowMetrics();
    const ledger = new ProxyLedger(metrics, 1);
    const a = fakeProxy('a');
    ledger.register(a, OWNER);
    ledger.started(a, '');
    a.meter.addIn(7);
    ledger.closed(a);
    const b = fakeProxy('b');
    ledger.register(b, OWNER);
    ledger.started(b, '');
    ledger.closed(b);
    assert.deepEqual(
      ledger.records().map((r) => r.name),
      ['b'],
    );
    assert.equal(await sample(metrics, 'burrow_proxy_bytes_in_total{proxy="a",identity="alice"}'), 7);
  });

  it('whenIdle resolves true when the last connection ends, false at the deadline', async () => {
    const ledger = new ProxyLedger(new BurrowMetrics());
    assert.equal(await ledger.whenIdle(1000), true, 'idle already');
    const proxy = fakeProxy('web');
    ledger.register(proxy, OWNER);
    const tally = proxy.meter.userRelay();
    assert.equal(await ledger.whenIdle(20), false);
    const idle = ledger.whenIdle(5000);
    tally.done?.();
    assert.equal(await idle, true);
  });
});
