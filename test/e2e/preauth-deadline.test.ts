// Issue 21 hole 4: 100 yamux sessions that never log in, each with one garbage stream (reset by the server), are all closed at the pre-auth deadline; a logged-in client stays.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Session } from '../../src/mux/index.js';
import { attackerSession, loginClient, sleep, startServer, until } from './preauth-helpers.js';

/** Sessions the attacker holds open (the probe used 100; all were still open after 70 s). */
const SESSIONS = 100;
/** A short pre-auth deadline for the test (the server's default is PREAUTH_SESSION_DEADLINE_MS, 10 s). */
const DEADLINE_MS = 1_000;

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('pre-auth deadline: yamux sessions without a login', () => {
  it(`${SESSIONS} sessions with one reset garbage stream each are closed at the deadline; a logged-in client is not`, async (t) => {
    // Every session holds a slot until it logs in; loopback has no per-address budget by default, and this keeps it so.
    const { server, close } = await startServer({
      preauth: { sessionDeadlineMs: DEADLINE_MS, maxPendingPerAddress: SESSIONS + 1 },
    });
    cleanups.push(close);
    const client = await loginClient(server);
    cleanups.push(() => client.close());

    const sessions: Session[] = [];
    let reset = 0;
    let closed = 0;
    for (let i = 0; i < SESSIONS; i += 1) {
      const session = await attackerSession(server);
      session.once('close', () => {
        closed += 1;
      });
      const stream = session.open();
      stream.on('error', () => {
        reset += 1;
      });
      stream.end(Buffer.from('GARBAGE, not a frp message\r\n'));
      sessions.push(session);
    }
    cleanups.push(async () => {
      for (const session of sessions) session.close();
    });
    await until('every garbage stream reset', () => reset === SESSIONS);
    // Still open right after their streams were reset (what the probe saw) ...
    assert.ok(
      sessions.some((s) => !s.isClosed),
      'sessions outlive their reset stream',
    );
    // ... and all closed by the server once the deadline passed.
    await until(`all ${SESSIONS} sessions closed by the server`, () => closed === SESSIONS);
    assert.equal(server.intake.sessionStats().unauthenticated, 0);
    // The logged-in client's session is past the deadline too and still up.
    await sleep(DEADLINE_MS);
    assert.deepEqual(server.clientRunIds().length, 1);
    assert.equal(server.intake.sessionStats().sessions, 1);
    t.diagnostic(`closed ${closed} of ${SESSIONS}; the client's session stayed`);
  });

  it('a session that opens no stream at all is closed at the deadline too', async () => {
    const { server, close } = await startServer({ preauth: { sessionDeadlineMs: DEADLINE_MS } });
    cleanups.push(close);
    const session = await attackerSession(server, true);
    const gone = new Promise((resolve) => session.once('close', resolve));
    await until('the silent session closed', () => session.isClosed);
    await gone;
  });
});
