// The local service behind both tunnels: `source` streams N requested bytes, `echo` echoes.
// Run as a child: node --import tsx bench/target.ts source|echo
import net from 'node:net';
import { announcePorts, LENGTH_HEADER_BYTES, LOOPBACK } from './protocol.js';

/** One preallocated block, written again and again: the source never allocates per chunk. */
const BLOCK_BYTES = 1024 * 1024;
/** A source connection must send its length header within this time. */
const HEADER_TIMEOUT_MS = 10_000;

const block = Buffer.alloc(BLOCK_BYTES, 0x5a);

/** Streams `total` bytes to the socket, waiting for 'drain' whenever write() says so, then ends it. */
async function streamBytes(socket: net.Socket, total: bigint): Promise<void> {
  let remaining = total;
  while (remaining > 0n && !socket.destroyed) {
    const size = remaining >= BigInt(BLOCK_BYTES) ? BLOCK_BYTES : Number(remaining);
    remaining -= BigInt(size);
    const flowing = socket.write(size === BLOCK_BYTES ? block : block.subarray(0, size));
    if (!flowing) await waitForDrain(socket);
  }
  socket.end();
}

function waitForDrain(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

/** Source mode: reads the 8-byte length (bounded, with a deadline), then streams that many bytes. */
function serveSource(socket: net.Socket): void {
  const header = Buffer.alloc(LENGTH_HEADER_BYTES);
  let have = 0;
  socket.setTimeout(HEADER_TIMEOUT_MS, () => socket.destroy());
  const onData = (chunk: Buffer): void => {
    const take = Math.min(chunk.length, LENGTH_HEADER_BYTES - have);
    chunk.copy(header, have, 0, take);
    have += take;
    if (have < LENGTH_HEADER_BYTES) return;
    socket.off('data', onData);
    socket.setTimeout(0);
    socket.resume(); // ignore anything past the header
    streamBytes(socket, header.readBigUInt64BE(0)).catch(() => socket.destroy());
  };
  socket.on('data', onData);
}

/** Echo mode: every byte goes straight back. */
function serveEcho(socket: net.Socket): void {
  socket.pipe(socket);
}

const mode = process.argv[2];
if (mode !== 'source' && mode !== 'echo') {
  process.stderr.write(`target.ts: expected mode "source" or "echo", got ${JSON.stringify(mode)}\n`);
  process.exit(2);
}
const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => socket.destroy()); // a client going away mid-stream is not our failure
  if (mode === 'source') serveSource(socket);
  else serveEcho(socket);
});
server.listen(0, LOOPBACK, () => {
  const address = server.address() as net.AddressInfo;
  announcePorts([address.port]);
});
