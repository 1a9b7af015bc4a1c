// Issue 21 hole 1: one unauthenticated connection (TCP, or TLS without a client certificate) opens 150 yamux streams and floods them; the server buffers at most PREAUTH_SESSION_MEMORY_BYTES and a real client still logs in.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { MuxStream } from '../../src/mux/index.js';
import { PREAUTH_MAX_STREAMS, PREAUTH_SESSION_MEMORY_BYTES } from '../../src/server/constants.js';
import { encodeMessage } from '../../src/wire/index.js';
import { attackerSession, loginClient, sleep, startServer, until } from './preauth-helpers.js';

/** Streams the attacker opens on its one connection (the probe used 150). */
const ATTACK_STREAMS = 150;
/** Bytes the attacker tries to push through each stream after its first message (before: all of it was buffered). */
const FLOOD_BYTES_PER_STREAM = 1024 * 1024;
/** How long the server's buffered bytes are sampled while the flood runs. */
const SAMPLE_FOR_MS = 1_500;
/** Sampling step. */
const SAMPLE_EVERY_MS = 25;

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A v1 Login with a wrong token: refused by the server, which used to leave the stream open and read nothing more. */
function badLogin(): Buffer {
  return encodeMessage({
    type: 'Login',
    body: { version: '0.70.0', privilege_key: '0'.repeat(32), timestamp: Math.floor(Date.now() / 1000), run_id: '' },
  });
}

async function attack(
  secure: boolean,
): Promise<{ maxBuffered: number; refused: number; reset: number; unsent: number }> {
  const { server, close } = await startServer();
  cleanups.push(close);
  const session = await attackerSession(server, secure);
  cleanups.push(async () => session.close());
  const flood = Buffer.alloc(FLOOD_BYTES_PER_STREAM, 0x41);
  let reset = 0;
  const streams: MuxStream[] = [];
  for (let i = 0; i < ATTACK_STREAMS; i += 1) {
    const stream = session.open();
    stream.on('error', (err: Error) => {
      if (/reset by peer/.test(err.message)) reset += 1;
    });
    stream.resume();
    // Half of them send a refused first message then the flood, half only the flood (garbage).
    if (i % 2 === 0) stream.write(badLogin());
    stream.write(flood);
    streams.push(stream);
  }
  // Every stream beyond the cap is reset at once; the first ones are refused (garbage: RST; bad login: answered, then ended).
  await until(
    `${ATTACK_STREAMS - PREAUTH_MAX_STREAMS} streams reset`,
    () => reset >= ATTACK_STREAMS - PREAUTH_MAX_STREAMS,
  );

  // A real client logs in meanwhile, while the flood goes on.
  const clientLogin = loginClient(server);
  let maxBuffered = 0;
  const sampleUntil = Date.now() + SAMPLE_FOR_MS;
  while (Date.now() < sampleUntil) {
    const stats = server.intake.sessionStats();
    maxBuffered = Math.max(maxBuffered, stats.bufferedBytes);
    await sleep(SAMPLE_EVERY_MS);
  }
  const client = await clientLogin;
  cleanups.push(() => client.close());
  const stats = server.intake.sessionStats();
  assert.ok(
    stats.refusedStreams >= ATTACK_STREAMS - PREAUTH_MAX_STREAMS,
    `server refused ${stats.refusedStreams} SYNs`,
  );
  assert.ok(
    maxBuffered <= PREAUTH_SESSION_MEMORY_BYTES,
    `server buffered ${maxBuffered} bytes for the unauthenticated session`,
  );
  assert.equal(server.clientRunIds().length, 1, 'the real client is logged in');
  // The attacker's writes are stuck at the initial window: most of its flood never left it.
  const unsent = streams.reduce((sum, s) => sum + (s.destroyed ? 0 : s.writableLength), 0);
  return { maxBuffered, refused: stats.refusedStreams, reset, unsent };
}

describe('pre-auth memory: one unauthenticated connection floods 150 streams', () => {
  it('over plain TCP: streams beyond the cap are reset, buffered bytes stay under the bound, a client logs in', async (t) => {
    t.diagnostic(JSON.stringify(await attack(false)));
  });

  it('over TLS without a client certificate: the same', async (t) => {
    t.diagnostic(JSON.stringify(await attack(true)));
  });
});
