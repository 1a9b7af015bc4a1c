// TcpGroups: one port per group, round robin over members, frps's refusals, the last member closes the port.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { PortManager } from '../../src/server/port-manager.js';
import { GroupError, TcpGroups, type GroupMember } from '../../src/server/proxies/tcp-group.js';

function member(name: string, served: string[]): GroupMember {
  return {
    name,
    handleUser: (socket) => {
      served.push(name);
      socket.destroy();
    },
  };
}

function connectOnce(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
}

describe('TcpGroups', () => {
  it('shares one port round robin and refuses a wrong key or port', async () => {
    const groups = new TcpGroups(new PortManager('127.0.0.1', []));
    const served: string[] = [];
    const a = member('a', served);
    const b = member('b', served);
    const port = await groups.join(a, 'g', 'k', 0);
    assert.equal(await groups.join(b, 'g', 'k', 0), port);
    await assert.rejects(
      groups.join(member('c', served), 'g', 'wrong', 0),
      (err) => isBurrowError(err, ErrorCode.PROXY_REFUSED) && err.message === GroupError.authFailed,
    );
    await assert.rejects(
      groups.join(member('d', served), 'g', 'k', 1234),
      (err) => isBurrowError(err, ErrorCode.PROXY_REFUSED) && err.message === GroupError.differentPort,
    );
    for (let i = 0; i < 4; i += 1) await connectOnce(port);
    assert.deepEqual(served, ['a', 'b', 'a', 'b']);
    groups.leave(a, 'g');
    groups.leave(b, 'g');
    await assert.rejects(
      new Promise<void>((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port }, () => {
          socket.destroy();
          resolve();
        });
        socket.on('error', reject);
      }),
      'the port is closed once the last member left',
    );
  });
});
