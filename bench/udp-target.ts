// The UDP service behind the udp-throughput routes: every datagram goes straight back to its sender.
// Run as a child: node --import tsx bench/udp-target.ts
import dgram from 'node:dgram';
import { announcePorts, LOOPBACK } from './protocol.js';

const socket = dgram.createSocket('udp4');
socket.on('message', (msg, peer) => socket.send(msg, peer.port, peer.address));
socket.on('error', (err) => {
  process.stderr.write(`udp-target: ${err.message}\n`);
  process.exit(1);
});
socket.bind(0, LOOPBACK, () => announcePorts([socket.address().port]));
