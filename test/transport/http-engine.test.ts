// HttpEngine: sockets handed over after a look-ahead keep their first bytes, each socket's visit gets its own events, bad heads get 400/431.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { describe, it } from 'node:test';
import { lookAhead } from '../../src/io/look-ahead.js';
import { HttpEngine, type HttpVisit } from '../../src/transport/index.js';
import { socketPair } from '../tls/helpers.js';
import { within } from './helpers.js';

/** What a visit saw first. */
type Seen = { kind: 'request'; url: string } | { kind: 'upgrade'; url: string } | { kind: 'bad'; status: number };

/** Hands the accepted end of a fresh pair to `engine` after `bytes` were read ahead and put back. */
async function visitWith(engine: HttpEngine, bytes: string): Promise<Seen> {
  const pair = await socketPair();
  try {
    pair.client.write(bytes);
    // Read ahead and put back, as the acceptor's sniffing does.
    await lookAhead(pair.accepted, (b) => (b.length >= 4 ? true : undefined), { maxBytes: 4, timeoutMs: 5000 });
    const seen = new Promise<Seen>((resolve) => {
      const visit: HttpVisit = {
        request: (req: http.IncomingMessage) => resolve({ kind: 'request', url: req.url ?? '' }),
        upgrade: (req: http.IncomingMessage) => resolve({ kind: 'upgrade', url: req.url ?? '' }),
        badRequest: (status) => resolve({ kind: 'bad', status }),
      };
      engine.take(pair.accepted, visit);
    });
    return await within(seen, 'the engine');
  } finally {
    await pair.close();
  }
}

describe('HttpEngine', () => {
  it('parses a request whose first bytes were read ahead, and tells requests from upgrades', async () => {
    const engine = new HttpEngine();
    assert.deepEqual(await visitWith(engine, 'POST /~!burrow/enroll HTTP/1.1\r\nContent-Length: 0\r\n\r\n'), {
      kind: 'request',
      url: '/~!burrow/enroll',
    });
    assert.deepEqual(
      await visitWith(engine, 'GET /~!frp HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'),
      { kind: 'upgrade', url: '/~!frp' },
    );
  });

  it('reports garbage as 400 and a head over its bound as 431; engines do not share state', async () => {
    const small = new HttpEngine(64);
    const other = new HttpEngine();
    assert.deepEqual(await visitWith(small, 'GET /\x00\x01 HTTP/1.1\r\n\r\n'), { kind: 'bad', status: 400 });
    const long = `GET / HTTP/1.1\r\nX: ${'a'.repeat(100)}\r\n\r\n`;
    assert.deepEqual(await visitWith(small, long), { kind: 'bad', status: 431 });
    assert.deepEqual(await visitWith(other, long), { kind: 'request', url: '/' });
  });
});
