// HeadDeadlines over real loopback sockets: a silent connection and an idle keep-alive one are closed, a slow answer is not.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { HeadDeadlines } from '../../../src/client/plugins/head-deadline.js';
import { PluginHttpServer } from '../../../src/client/plugins/http-bridge.js';

/** The deadline under test, short so the cases run fast. */
const DEADLINE_MS = 150;
/** How long the slow answer takes: well past the deadline. */
const SLOW_ANSWER_MS = 3 * DEADLINE_MS;

let listener: net.Server;
let port = 0;

before(async () => {
  const bridge = new PluginHttpServer((req, res) => {
    if (req.url === '/slow') setTimeout(() => res.end('slow done'), SLOW_ANSWER_MS);
    else res.end('quick');
  });
  const deadlines = new HeadDeadlines(bridge.server, DEADLINE_MS);
  listener = net.createServer((socket) => {
    deadlines.watch(socket);
    bridge.handle(socket);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as net.AddressInfo).port;
});

after(() => new Promise<void>((resolve) => listener.close(() => resolve())));

/** Connects, writes `text`, and resolves with what came back and how long until the server closed. */
function session(text: string): Promise<{ got: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let got = '';
    socket.on('data', (c: Buffer) => (got += c.toString()));
    socket.on('close', () => resolve({ got, closedAfterMs: Date.now() - started }));
    socket.on('error', reject);
  });
}

test('a connection that sends no head is closed after the deadline', async () => {
  const { got, closedAfterMs } = await session('GET / HT');
  assert.equal(got, '');
  assert.ok(closedAfterMs >= DEADLINE_MS - 20, `closed after ${closedAfterMs} ms`);
});

test('a keep-alive connection is answered, then closed once idle past the deadline', async () => {
  const { got, closedAfterMs } = await session('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(got, /^HTTP\/1\.1 200 OK/);
  assert.ok(closedAfterMs >= DEADLINE_MS - 20, `closed after ${closedAfterMs} ms`);
  assert.match(got, /quick$/);
});

test('no deadline runs while an answer is in progress', async () => {
  const { got, closedAfterMs } = await session('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(got, /slow done$/);
  assert.ok(closedAfterMs >= SLOW_ANSWER_MS + DEADLINE_MS - 20, `closed after ${closedAfterMs} ms`);
});
