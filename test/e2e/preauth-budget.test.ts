// Issue 21 weak spot: the pending-handshake budget per source address, and a full global budget making room by evicting the oldest silent connection.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { loginClient, startServer, until } from './preauth-helpers.js';

/** Budgets shrunk for the test (defaults: MAX_PENDING_HANDSHAKES 1,024, MAX_PENDING_HANDSHAKES_PER_ADDRESS 64). */
const PER_ADDRESS = 4;
const GLOBAL = 12;
/** frp's custom first byte before a ClientHello: the server waits for the TLS handshake (the connection is not silent). */
const CUSTOM_TLS_FIRST_BYTE = Buffer.from([0x17]);

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Held {
  socket: net.Socket;
  closed: () => boolean;
}

/** A connection from `localAddress` that sends `first` (or nothing) and then sits. */
async function hold(port: number, localAddress: string, first?: Buffer): Promise<Held> {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress });
  socket.on('error', () => {});
  let closed = false;
  socket.once('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  if (first) socket.write(first);
  cleanups.push(async () => socket.destroy());
  return { socket, closed: () => closed };
}

/** The server has `count` connections pending, of which `silent` have not sent a byte (as far as it has read). */
function pendingIs(
  server: { intake: { budget: { pending: number; silent: number } } },
  count: number,
  silent = 0,
): () => boolean {
  return () => server.intake.budget.pending === count && server.intake.budget.silent === silent;
}

describe('pending-handshake budgets', () => {
  it('one address filling its budget is refused more; a connection from another address still logs in', async () => {
    const { server, close } = await startServer({
      preauth: { maxPending: GLOBAL, maxPendingPerAddress: PER_ADDRESS, exemptLoopback: false },
    });
    cleanups.push(close);
    const port = server.address.port;
    // 127.0.0.2 holds its whole budget with connections that have spoken (one byte into a TLS handshake).
    const spoken: Held[] = [];
    for (let i = 0; i < PER_ADDRESS; i += 1) spoken.push(await hold(port, '127.0.0.2', CUSTOM_TLS_FIRST_BYTE));
    await until('4 pending', pendingIs(server, PER_ADDRESS));
    const extra = await hold(port, '127.0.0.2', CUSTOM_TLS_FIRST_BYTE);
    await until('the extra connection from a full address closed by the server', extra.closed);
    assert.ok(
      spoken.every((h) => !h.closed()),
      'the connections that spoke are kept',
    );
    assert.equal(server.intake.budget.pendingFrom('127.0.0.2'), PER_ADDRESS);

    // Silent connections of a full address make room for its newer ones, oldest first.
    const silent: Held[] = [];
    for (let i = 0; i < PER_ADDRESS; i += 1) silent.push(await hold(port, '127.0.0.3'));
    await until('8 pending', pendingIs(server, 2 * PER_ADDRESS, PER_ADDRESS));
    const newer = await hold(port, '127.0.0.3');
    await until('the oldest silent connection of 127.0.0.3 evicted', silent[0]!.closed);
    assert.equal(newer.closed(), false);

    // Another address (127.0.0.1) still logs in.
    const client = await loginClient(server);
    cleanups.push(() => client.close());
    assert.equal(server.clientRunIds().length, 1);
  });

  it('a global budget full of silent connections: a real login evicts the oldest one and succeeds', async () => {
    const { server, close } = await startServer({
      preauth: { maxPending: GLOBAL, maxPendingPerAddress: PER_ADDRESS, exemptLoopback: false },
    });
    cleanups.push(close);
    const port = server.address.port;
    const silent: Held[] = [];
    for (let i = 0; i < GLOBAL; i += 1) silent.push(await hold(port, `127.0.0.${10 + Math.floor(i / PER_ADDRESS)}`));
    await until(`${GLOBAL} pending`, pendingIs(server, GLOBAL, GLOBAL));
    const client = await loginClient(server);
    cleanups.push(() => client.close());
    assert.equal(server.clientRunIds().length, 1);
    assert.ok(server.intake.budget.evicted >= 1, 'silent connections were evicted');
    assert.equal(silent[0]!.closed(), true, 'the oldest silent connection went first');
    assert.equal(silent.at(-1)!.closed(), false, 'the newest silent connection is still held');
  });

  it('a global budget full of connections that spoke refuses new ones until a slot frees', async () => {
    const { server, close } = await startServer({
      preauth: { maxPending: GLOBAL, maxPendingPerAddress: PER_ADDRESS, exemptLoopback: false },
    });
    cleanups.push(close);
    const port = server.address.port;
    const spoken: Held[] = [];
    for (let i = 0; i < GLOBAL; i += 1)
      spoken.push(await hold(port, `127.0.0.${20 + Math.floor(i / PER_ADDRESS)}`, CUSTOM_TLS_FIRST_BYTE));
    await until(`${GLOBAL} pending`, pendingIs(server, GLOBAL));
    const refused = await hold(port, '127.0.0.30');
    await until('the new connection refused', refused.closed);
    spoken[0]!.socket.destroy();
    await until('a slot freed', () => server.intake.budget.pending === GLOBAL - 1);
    const client = await loginClient(server);
    cleanups.push(() => client.close());
    assert.equal(server.clientRunIds().length, 1);
  });
});
