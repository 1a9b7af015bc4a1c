// The plugin chains over real HTTP on 127.0.0.1: order, rejection, replaced content, op filtering, and failed plugins.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { BurrowError, ErrorCode } from '../../../src/errors.js';
import { generateSelfSignedServerCert } from '../../../src/pki/self-signed.js';
import { MAX_PLUGIN_RESPONSE_BYTES, PluginManager } from '../../../src/server/plugins/index.js';
import type { HttpPluginConfig } from '../../../src/server/plugins/index.js';
import { ALLOW, startPlugin, type TestPlugin } from './plugin-server.js';

/** A logger whose lines the test reads. */
function memoryLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

const plugins: TestPlugin[] = [];
const managers: PluginManager[] = [];
after(async () => {
  for (const m of managers) m.close();
  await Promise.all(plugins.map((p) => p.close()));
});

async function plugin(handler?: Parameters<typeof startPlugin>[0]): Promise<TestPlugin> {
  const p = await startPlugin(handler);
  plugins.push(p);
  return p;
}

function entry(name: string, p: TestPlugin | string, ops: HttpPluginConfig['ops']): HttpPluginConfig {
  return { name, addr: typeof p === 'string' ? p : p.addr, path: '/handler', ops, tlsVerify: false };
}

function manager(configs: HttpPluginConfig[], timeoutMs?: number) {
  const { logger, lines } = memoryLogger();
  const m = new PluginManager(configs, { logger, ...(timeoutMs ? { timeoutMs } : {}) });
  managers.push(m);
  return { m, lines };
}

const user = { user: 'alice', metas: undefined, runId: 'abcdef0123456789' };
const login = {
  version: '0.70.0',
  hostname: 'h',
  os: 'linux',
  arch: 'amd64',
  user: 'alice',
  privilege_key: 'k',
  timestamp: 1700000000,
  pool_count: 1,
};

/** Waits until a log line with this message shows up (logs of notifications come after the call resolves). */
async function logLine(lines: Record<string, unknown>[], msg: RegExp): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i += 1) {
    const line = lines.find((l) => typeof l.msg === 'string' && msg.test(l.msg));
    if (line) return line;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no log line ${msg}: ${JSON.stringify(lines)}`);
}

describe('PluginManager', () => {
  it('asks the plugins of an op in config order, each with the content the one before left', async () => {
    const first = await plugin(({ body }) => ({
      body: { unchange: false, content: { ...body.content, metas: { tier: 'gold' }, user: 'bob' } },
    }));
    const second = await plugin(() => ({ body: ALLOW }));
    const { m } = manager([entry('first', first, ['Login']), entry('second', second, ['Login', 'NewProxy'])]);
    const out = await m.login({ login, clientAddress: '127.0.0.1:5000' });
    assert.deepEqual(out.login.metas, { tier: 'gold' });
    assert.equal(out.login.user, 'bob');
    assert.equal(out.login.privilege_key, 'k');
    const [a] = first.of('Login');
    const [b] = second.of('Login');
    assert.ok(a && b);
    assert.equal(a.path, '/handler');
    assert.equal(a.rawQuery, 'op=Login&version=0.1.0');
    assert.equal(a.contentType, 'application/json');
    assert.match(a.reqId ?? '', /^[0-9a-f]{16}$/);
    assert.equal(b.reqId, a.reqId, 'one request id per chain');
    assert.deepEqual(a.body, {
      version: '0.1.0',
      op: 'Login',
      content: { ...login, client_spec: {}, client_address: '127.0.0.1:5000' },
    });
    assert.deepEqual(b.body.content.metas, { tier: 'gold' });
    assert.equal(b.body.content.user, 'bob');
  });

  it('stops at the first rejection, with its reason', async () => {
    const no = await plugin(() => ({ body: { reject: true, reject_reason: 'reject by plugin' } }));
    const never = await plugin();
    const { m, lines } = manager([entry('no', no, ['NewProxy']), entry('never', never, ['NewProxy'])]);
    await assert.rejects(
      m.newProxy({ user, proxy: { proxy_name: 'web', proxy_type: 'tcp', remote_port: 6000 } }),
      (err: unknown) =>
        err instanceof BurrowError && err.code === ErrorCode.PLUGIN_REJECTED && err.message === 'reject by plugin',
    );
    assert.equal(never.requests.length, 0);
    assert.deepEqual(no.of('NewProxy')[0]?.body.content, {
      user: { user: 'alice', metas: null, run_id: 'abcdef0123456789' },
      proxy_name: 'web',
      proxy_type: 'tcp',
      remote_port: 6000,
    });
    await logLine(lines, /plugin \[no\] rejected NewProxy/);
  });

  it('replaces the content when unchange is false (absent fields become empty, as in frp)', async () => {
    const p = await plugin(() => ({
      body: { content: { proxy_name: 'renamed', proxy_type: 'tcp', remote_port: 7001 } },
    }));
    const { m } = manager([entry('p', p, ['NewProxy'])]);
    const out = await m.newProxy({ user, proxy: { proxy_name: 'web', proxy_type: 'tcp', use_encryption: true } });
    assert.deepEqual(out.proxy, { proxy_name: 'renamed', proxy_type: 'tcp', remote_port: 7001 });
    assert.deepEqual(out.user, user);
  });

  it('skips the plugins that do not list an op', async () => {
    const p = await plugin();
    const { m } = manager([entry('p', p, ['NewProxy'])]);
    assert.equal(m.has('Login'), false);
    assert.equal(m.has('NewProxy'), true);
    const out = await m.login({ login, clientAddress: '' });
    assert.deepEqual(out.login, login);
    assert.equal(p.requests.length, 0);
  });

  it("fails with frp's text when a plugin is down, and logs the plugin", async () => {
    const gone = await startPlugin();
    const addr = gone.addr;
    await gone.close();
    const { m, lines } = manager([entry('gone', addr, ['Login'])]);
    await assert.rejects(
      m.login({ login, clientAddress: '' }),
      (err: unknown) =>
        err instanceof BurrowError &&
        err.code === ErrorCode.PLUGIN_FAILED &&
        err.message === 'send Login request to plugin error',
    );
    const line = await logLine(lines, /send Login request to plugin \[gone\] error/);
    assert.equal(line.level, 40, 'warn');
    assert.match(String(line.err), /ECONNREFUSED/);
  });

  it('gives up on a slow plugin at the timeout', async () => {
    const slow = await plugin(() => ({ delayMs: 5_000 }));
    const { m, lines } = manager([entry('slow', slow, ['Ping'])], 200);
    const started = Date.now();
    await assert.rejects(m.ping({ user, ping: {} }), /send Ping request to plugin error/);
    assert.ok(Date.now() - started < 2_000, 'timed out early');
    const line = await logLine(lines, /send Ping request to plugin \[slow\] error/);
    assert.match(String(line.err), /no answer within 200 ms/);
  });

  for (const [what, answer, why] of [
    ['not JSON', { body: 'nope' }, /invalid JSON/],
    ['a string unchange', { body: { unchange: 'false' } }, /unchange must be true or false/],
    ['status 500', { status: 500, body: ALLOW }, /error code: 500/],
    ['null content to use', { body: { unchange: false, content: null } }, /not a NewWorkConn/],
    ['a mistyped field', { body: { content: { timestamp: 'x' } } }, /NewWorkConn.timestamp: expected an integer/],
    ['an array', { body: [] }, /expected a JSON object/],
    ['too much', { body: `{"pad":"${'x'.repeat(MAX_PLUGIN_RESPONSE_BYTES)}"}` }, /larger than/],
  ] as const) {
    it(`fails on an answer that is ${what}`, async () => {
      const p = await plugin(() => answer);
      const { m, lines } = manager([entry('bad', p, ['NewWorkConn'])]);
      await assert.rejects(
        m.newWorkConn({ user, workConn: { run_id: 'r' } }),
        /send NewWorkConn request to plugin error/,
      );
      const line = await logLine(lines, /send NewWorkConn request to plugin \[bad\] error/);
      assert.match(String(line.err), why);
    });
  }

  it("logs a NewUserConn failure at info, as frp does, and sends frp's NewUserConn shape", async () => {
    const p = await plugin(() => ({ status: 503 }));
    const { m, lines } = manager([entry('users', p, ['NewUserConn'])]);
    const content = { user, proxyName: 'alice.ssh', proxyType: 'tcp', remoteAddr: '127.0.0.1:40000' };
    await assert.rejects(m.newUserConn(content), /send NewUserConn request to plugin error/);
    assert.equal((await logLine(lines, /NewUserConn request to plugin \[users\]/)).level, 30);
    assert.deepEqual(p.of('NewUserConn')[0]?.body.content, {
      user: { user: 'alice', metas: null, run_id: 'abcdef0123456789' },
      proxy_name: 'alice.ssh',
      proxy_type: 'tcp',
      remote_addr: '127.0.0.1:40000',
    });
  });

  it('tells every CloseProxy plugin and never rejects, even when one is down', async () => {
    const gone = await startPlugin();
    const addr = gone.addr;
    await gone.close();
    const p = await plugin(() => ({ body: { reject: true, reject_reason: 'ignored' } }));
    const { m, lines } = manager([entry('gone', addr, ['CloseProxy']), entry('told', p, ['CloseProxy'])]);
    await m.closeProxy({ user: { ...user, metas: { a: 'b' } }, proxyName: 'web' });
    assert.deepEqual(p.of('CloseProxy')[0]?.body.content, {
      user: { user: 'alice', metas: { a: 'b' }, run_id: 'abcdef0123456789' },
      proxy_name: 'web',
    });
    await logLine(lines, /send CloseProxy request to plugin \[gone\] error/);
  });

  it('reaches an https plugin; tlsVerify = true refuses its self-signed certificate, false warns at start', async () => {
    const pair = await generateSelfSignedServerCert();
    const p = await startPlugin(() => ({ body: ALLOW }), { tls: { cert: pair.certPem, key: pair.keyPem } });
    plugins.push(p);
    const loose = manager([entry('loose', p, ['Ping'])]);
    await loose.m.ping({ user, ping: {} });
    assert.equal(p.of('Ping').length, 1);
    await logLine(loose.lines, /plugin \[loose\] is reached over https without verifying/);
    const strict = manager([{ ...entry('strict', p, ['Ping']), tlsVerify: true }]);
    assert.ok(!strict.lines.some((l) => /without verifying/.test(String(l.msg))));
    await assert.rejects(strict.m.ping({ user, ping: {} }), /send Ping request to plugin error/);
    assert.match(String((await logLine(strict.lines, /plugin \[strict\] error/)).err), /self.signed|certificate/i);
    assert.equal(p.of('Ping').length, 1);
  });

  it('sends user:password of addr as Basic auth and keeps them out of the logs', async () => {
    const p = await plugin(() => ({ status: 500 }));
    const { m, lines } = manager([entry('authed', `http://plug:s3cr%3At@${p.addr}`, ['Ping'])]);
    await assert.rejects(m.ping({ user, ping: {} }));
    assert.equal(p.of('Ping')[0]?.authorization, `Basic ${Buffer.from('plug:s3cr:t').toString('base64')}`);
    await logLine(lines, /send Ping request to plugin \[authed\] error/);
    assert.doesNotMatch(JSON.stringify(lines), /s3cr/);
    assert.match(JSON.stringify(lines), new RegExp(`"url":"http://${p.addr}/handler"`));
  });

  it('refuses an addr that makes no URL', () => {
    const { logger } = memoryLogger();
    assert.throws(
      () => new PluginManager([entry('broken', 'http://[zz', ['Login'])], { logger }),
      (err: unknown) => err instanceof BurrowError && err.code === ErrorCode.CONFIG && /broken/.test(err.message),
    );
  });
});
