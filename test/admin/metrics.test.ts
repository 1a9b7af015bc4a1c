// BurrowMetrics: the series after simulated events, gauges never negative, bounded label sets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { register as globalRegistry } from 'prom-client';
import { BurrowMetrics, MetricName, reasonCode } from '../../src/observe/index.js';
import { MAX_PROXY_LABELS, MAX_REASON_LABELS } from '../../src/observe/constants.js';

/** The value of one series line in the exposition text, or undefined when absent. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('BurrowMetrics', () => {
  it('counts clients, proxies, connections, bytes and failures after simulated events', async () => {
    const m = new BurrowMetrics();
    m.clientConnected('alice');
    m.clientConnected('alice');
    m.clientConnected('bob');
    m.clientDisconnected('bob');
    m.clientConnected();
    m.proxyStarted('tcp');
    m.proxyStarted('tcp');
    m.proxyStarted('http');
    m.proxyStopped('tcp');
    m.connectionOpened('web', 'alice');
    m.connectionOpened('web', 'alice');
    m.connectionClosed('web', 1000, 250_000, 'alice');
    m.bytesTransferred('web', 24, 50, 'alice');
    m.handshakeFailed('tls_handshake');
    m.handshakeFailed('tls_handshake');
    m.handshakeFailed('Plain TCP to TLS port');
    m.loginFailed('bad_token');
    m.loginFailed('identity_denied', 'mallory');
    const text = await m.metricsText();

    assert.equal(value(text, `${MetricName.clients}{identity="alice"}`), 2);
    assert.equal(value(text, `${MetricName.clients}{identity="none"}`), 1);
    assert.equal(
      value(text, `${MetricName.clients}{identity="bob"}`),
      undefined,
      'a series at zero clients is removed',
    );
    assert.equal(value(text, `${MetricName.proxies}{type="tcp"}`), 1);
    assert.equal(value(text, `${MetricName.proxies}{type="http"}`), 1);
    assert.equal(value(text, `${MetricName.connectionsTotal}{proxy="web",identity="alice"}`), 2);
    assert.equal(value(text, `${MetricName.connections}{proxy="web",identity="alice"}`), 1);
    assert.equal(value(text, `${MetricName.bytesIn}{proxy="web",identity="alice"}`), 1024);
    assert.equal(value(text, `${MetricName.bytesOut}{proxy="web",identity="alice"}`), 250_050);
    assert.equal(value(text, `${MetricName.handshakeFailures}{reason="tls_handshake"}`), 2);
    assert.equal(value(text, `${MetricName.handshakeFailures}{reason="plain_tcp_to_tls_port"}`), 1);
    assert.equal(value(text, `${MetricName.loginFailures}{reason="bad_token",identity="none"}`), 1);
    assert.equal(value(text, `${MetricName.loginFailures}{reason="identity_denied",identity="mallory"}`), 1);
    for (const name of Object.values(MetricName)) assert.match(text, new RegExp(`^# HELP ${name} `, 'm'));
  });

  it('never drives a gauge below zero on stray stop or close events', async () => {
    const m = new BurrowMetrics();
    m.proxyStopped('udp');
    m.connectionClosed('ghost', 0, 0);
    m.clientDisconnected('nobody');
    const text = await m.metricsText();
    assert.equal(value(text, `${MetricName.proxies}{type="udp"}`), 0);
    assert.equal(value(text, `${MetricName.connections}{proxy="ghost",identity="none"}`), 0);
    assert.doesNotMatch(text, / -\d/);
  });

  it('ignores negative and non-finite byte counts instead of throwing', async () => {
    const m = new BurrowMetrics();
    m.connectionOpened('p');
    m.connectionClosed('p', -5, Number.NaN);
    m.bytesTransferred('p', Infinity, 7);
    const text = await m.metricsText();
    assert.equal(value(text, `${MetricName.bytesIn}{proxy="p",identity="none"}`), undefined);
    assert.equal(value(text, `${MetricName.bytesOut}{proxy="p",identity="none"}`), 7);
  });

  it('caps distinct proxy names and reasons, folding the rest into "other"', async () => {
    const m = new BurrowMetrics();
    const extra = 5;
    for (let i = 0; i < MAX_PROXY_LABELS + extra; i++) m.connectionOpened(`p${i}`);
    for (let i = 0; i < MAX_REASON_LABELS + extra; i++) m.handshakeFailed(`reason ${i}`);
    const text = await m.metricsText();
    assert.equal(value(text, `${MetricName.connectionsTotal}{proxy="other",identity="none"}`), extra);
    assert.equal(value(text, `${MetricName.handshakeFailures}{reason="other"}`), extra);
    const proxySeries = text.split('\n').filter((l) => l.startsWith(`${MetricName.connectionsTotal}{`));
    assert.equal(proxySeries.length, MAX_PROXY_LABELS + 1);
  });

  it('keeps its own registry: two instances do not share numbers, the global one stays empty', async () => {
    const a = new BurrowMetrics();
    const b = new BurrowMetrics();
    a.loginFailed('bad_token');
    assert.equal(
      value(await b.metricsText(), `${MetricName.loginFailures}{reason="bad_token",identity="none"}`),
      undefined,
    );
    assert.doesNotMatch(await globalRegistry.metrics(), /burrow_/);
  });

  it('reduces reasons to short codes', () => {
    assert.equal(reasonCode('Bad Token!'), 'bad_token');
    assert.equal(reasonCode('  '), 'unknown');
    assert.equal(reasonCode('x'.repeat(200)).length, 64);
  });
});
