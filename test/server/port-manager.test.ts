// PortManager: allowPorts, ports in use, frps's refusal texts.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { PortError, PortManager } from '../../src/server/port-manager.js';
import { freePort } from '../e2e/harness.js';

const refusedWith = (text: string) => (err: unknown) =>
  isBurrowError(err, ErrorCode.PROXY_REFUSED) && err.message === text;

describe('PortManager', () => {
  it('listens on a requested allowed port and refuses it to a second proxy', async () => {
    const port = await freePort();
    const ports = new PortManager('127.0.0.1', [{ start: port, end: port }]);
    const first = await ports.acquire('a', port, (s) => s.destroy());
    assert.equal(first.port, port);
    await assert.rejects(
      ports.acquire('b', port, (s) => s.destroy()),
      refusedWith(PortError.alreadyUsed),
    );
    first.server.close();
    ports.release(port);
    const again = await ports.acquire('b', port, (s) => s.destroy());
    again.server.close();
  });

  it('refuses a port outside allowPorts', async () => {
    const ports = new PortManager('127.0.0.1', [{ start: 6000, end: 6010 }]);
    assert.equal(ports.isAllowed(6005), true);
    assert.equal(ports.isAllowed(7000), false);
    await assert.rejects(
      ports.acquire('a', 7000, (s) => s.destroy()),
      refusedWith(PortError.notAllowed),
    );
  });

  it('says "port unavailable" when another program holds the port', async () => {
    const holder = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => holder.once('listening', resolve));
    const { port } = holder.address() as net.AddressInfo;
    const ports = new PortManager('127.0.0.1', []);
    await assert.rejects(
      ports.acquire('a', port, (s) => s.destroy()),
      refusedWith(PortError.unavailable),
    );
    holder.close();
  });

  it('picks a port itself for remotePort 0, inside allowPorts when set', async () => {
    const any = await new PortManager('127.0.0.1', []).acquire('a', 0, (s) => s.destroy());
    assert.ok(any.port > 0);
    any.server.close();
    const port = await freePort();
    const ranged = await new PortManager('127.0.0.1', [{ start: port, end: port }]).acquire('b', 0, (s) => s.destroy());
    assert.equal(ranged.port, port);
    ranged.server.close();
  });
});
