// relay(): bytes both ways with backpressure, half-close passed on, errors end both sides.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, it } from 'node:test';
import { relay, RELAY_BATCH_BYTES } from '../../src/net/relay.js';
import { socketPair } from './helpers.js';

function readAll(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
}

describe('relay', () => {
  it('carries both directions and passes a half-close on, so an answer after FIN still arrives', async () => {
    // user <-> [userSide relay serviceSide] <-> service
    const [user, userSide, closeA] = await socketPair();
    const [serviceSide, service, closeB] = await socketPair();
    const done = relay(userSide, serviceSide);

    const request = Buffer.alloc(3 * 1024 * 1024, 7);
    const gotRequest = readAll(service);
    const gotAnswer = readAll(user);
    user.end(request);
    assert.deepEqual(await gotRequest, request, 'service got the whole request and its FIN');
    const answer = Buffer.alloc(2 * 1024 * 1024, 9);
    service.end(answer);
    assert.deepEqual(await gotAnswer, answer, 'answer sent after the FIN arrives whole');

    const result = await done;
    assert.equal(result.bytesAtoB, request.length);
    assert.equal(result.bytesBtoA, answer.length);
    assert.equal(result.error, undefined);
    closeA();
    closeB();
  });

  it('destroys both sides when one side is reset', async () => {
    const [user, userSide, closeA] = await socketPair();
    const [serviceSide, service, closeB] = await socketPair();
    const done = relay(userSide, serviceSide);
    service.on('error', () => undefined);
    service.resume();
    const serviceEnded = once(service, 'end');
    user.resetAndDestroy();
    await done;
    assert.equal(userSide.destroyed, true);
    assert.equal(serviceSide.destroyed, true);
    await serviceEnded;
    service.destroy();
    closeA();
    closeB();
  });

  it('holds at most a batch in a socket whose reader stalls, then delivers everything in order', async () => {
    const [user, userSide, closeA] = await socketPair();
    const [serviceSide, service, closeB] = await socketPair();
    const done = relay(userSide, serviceSide);
    service.pause(); // the local service stops reading
    const data = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = i % 251;
    user.write(data);
    // Wait (bounded) until the relay has paused its reader, i.e. the stall reached it.
    for (let i = 0; i < 200 && !userSide.isPaused(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(userSide.isPaused(), true, 'the relay paused the side it reads from');
    assert.ok(
      serviceSide.writableLength <= RELAY_BATCH_BYTES + 64 * 1024,
      `socket buffer ${serviceSide.writableLength}`,
    );
    const received = readAll(service);
    service.resume();
    user.end();
    assert.deepEqual(await received, data);
    service.end();
    await done;
    user.destroy();
    closeA();
    closeB();
  });
});
