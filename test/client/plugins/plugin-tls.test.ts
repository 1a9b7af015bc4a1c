// Unit: the TLS side of the https2http/https2https/tls2raw plugins over real sockets on 127.0.0.1: file errors named as
// BurrowError PLUGIN, a generated certificate when a file is missing from the pair, ALPN, and a failed handshake; and the
// forwarder refusing a header it could never send.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { PluginTls } from '../../../src/client/plugins/plugin-tls.js';
import { HttpForwarder } from '../../../src/client/plugins/reverse-proxy.js';
import type { Logger } from '../../../src/log.js';
import { generateSelfSignedServerCert } from '../../../src/pki/self-signed.js';

/** A logger that keeps the messages of warn() calls. */
function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger = {
    warn: (_obj: unknown, msg: string) => warnings.push(msg),
    info: () => undefined,
    debug: () => undefined,
  } as unknown as Logger;
  return { logger, warnings };
}

/** Accepts one TCP connection, runs `plugin.accept` on it, and connects a TLS client; resolves once both ends are secure. */
async function handshake(
  plugin: PluginTls,
  client: tls.ConnectionOptions = {},
): Promise<{ server: tls.TLSSocket; client: tls.TLSSocket; close: () => void }> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<tls.TLSSocket>((resolve, reject) =>
    listener.once('connection', (socket: net.Socket) => {
      plugin.accept(socket).then(resolve, reject);
    }),
  );
  const port = (listener.address() as net.AddressInfo).port;
  const clientSocket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...client });
  const connected = new Promise<void>((resolve, reject) => {
    clientSocket.once('secureConnect', resolve);
    clientSocket.once('error', reject);
  });
  const [server] = await Promise.all([accepted, connected]);
  listener.close();
  return {
    server,
    client: clientSocket,
    close: () => {
      server.destroy();
      clientSocket.destroy();
    },
  };
}

describe('PluginTls', () => {
  let dir = '';
  let cert = '';
  let key = '';
  let otherKey = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plugin-tls-'));
    const a = await generateSelfSignedServerCert({ commonName: 'a.test', altNames: ['a.test'] });
    const b = await generateSelfSignedServerCert({ commonName: 'b.test' });
    cert = join(dir, 'a.crt');
    key = join(dir, 'a.key');
    otherKey = join(dir, 'b.key');
    writeFileSync(cert, a.certPem);
    writeFileSync(key, a.keyPem);
    writeFileSync(otherKey, b.keyPem);
    writeFileSync(join(dir, 'junk.crt'), 'not a certificate\n');
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('names the file and the problem: missing, a directory, not PEM, a key of another certificate', () => {
    const { logger } = recordingLogger();
    const make = (crtPath: string, keyPath: string): PluginTls =>
      new PluginTls({ crtPath, keyPath, alpn: [] }, logger, 'p');
    assert.throws(() => make(join(dir, 'none.crt'), key), {
      code: 'ERR_PLUGIN',
      message: /cannot read crtPath \S*none\.crt: file not found/,
    });
    assert.throws(() => make(cert, dir), { code: 'ERR_PLUGIN', message: /cannot read keyPath \S+: is a directory/ });
    assert.throws(() => make(join(dir, 'junk.crt'), key), {
      code: 'ERR_PLUGIN',
      message: /junk\.crt holds no PEM "CERTIFICATE" block/,
    });
    assert.throws(() => make(cert, otherKey), {
      code: 'ERR_PLUGIN',
      message: /b\.key does not match the certificate in \S*a\.crt/,
    });
  });

  it('serves the configured certificate and negotiates ALPN h2 when offered', async () => {
    const { logger } = recordingLogger();
    const plugin = new PluginTls({ crtPath: cert, keyPath: key, alpn: ['h2', 'http/1.1'] }, logger, 'p');
    const ends = await handshake(plugin, { ALPNProtocols: ['h2', 'http/1.1'], servername: 'a.test' });
    assert.equal(ends.server.alpnProtocol, 'h2');
    assert.equal(ends.server.servername, 'a.test');
    await new Promise((resolve) =>
      ends.client.getPeerCertificate().subject ? resolve(undefined) : ends.client.once('secureConnect', resolve),
    );
    assert.equal(ends.client.getPeerCertificate().subject.CN, 'a.test');
    ends.close();
  });

  it('generates a certificate when crtPath or keyPath is empty, warning about a lone one', async () => {
    const { logger, warnings } = recordingLogger();
    const plugin = new PluginTls({ crtPath: cert, keyPath: '', alpn: [] }, logger, 'p');
    assert.match(warnings.join('\n'), /crtPath is set but keyPath is not: serving a generated certificate/);
    const ends = await handshake(plugin);
    await new Promise((resolve) =>
      ends.client.getPeerCertificate().subject ? resolve(undefined) : ends.client.once('secureConnect', resolve),
    );
    assert.equal(ends.client.getPeerCertificate().subject.CN, 'burrow plugin');
    assert.equal(ends.server.alpnProtocol, false, 'no ALPN offered');
    ends.close();
  });

  it('rejects with BurrowError TLS when the peer does not speak TLS', async () => {
    const { logger } = recordingLogger();
    const plugin = new PluginTls({ crtPath: cert, keyPath: key, alpn: [] }, logger, 'p');
    const failed = await new Promise<unknown>((resolve) => {
      const listener = net.createServer((socket) => {
        listener.close();
        plugin.accept(socket).then(() => resolve(undefined), resolve);
      });
      listener.listen(0, '127.0.0.1', () => {
        const port = (listener.address() as net.AddressInfo).port;
        const plain = net.connect(port, '127.0.0.1', () => plain.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
        plain.on('error', () => undefined);
        plain.on('close', () => plain.destroy());
      });
    });
    assert.ok(failed instanceof Error);
    assert.equal((failed as { code?: string }).code, 'ERR_TLS');
  });
});

describe('HttpForwarder', () => {
  it('refuses at start a requestHeaders.set entry or hostHeaderRewrite Node could never send', () => {
    const { logger } = recordingLogger();
    const make = (hostHeaderRewrite: string, setHeaders: Record<string, string>): HttpForwarder =>
      new HttpForwarder({
        localAddr: '127.0.0.1:1',
        scheme: 'http',
        rules: { mode: 'drop', hostHeaderRewrite, setHeaders },
        proxyName: 'p',
        logger,
      });
    assert.throws(() => make('', { 'bad name': 'x' }), {
      code: 'ERR_PLUGIN',
      message: /requestHeaders\.set\.bad name/,
    });
    assert.throws(() => make('', { ok: 'line\nbreak' }), { code: 'ERR_PLUGIN', message: /requestHeaders\.set\.ok/ });
    assert.throws(() => make('a\rb', {}), { code: 'ERR_PLUGIN', message: /hostHeaderRewrite/ });
    make('fine.test', { 'x-ok': 'v' }).close();
  });
});
