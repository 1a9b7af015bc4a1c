// The HTTP origin behind both http-rps routes: answers every request with a short body, keep-alive.
// Run as a child: node --import tsx bench/http-target.ts [proxy ORIGIN_PORT]
import http from 'node:http';
import { announcePorts, LOOPBACK } from './protocol.js';

/** The answer's body: small, so the figure is requests, not bytes. */
const BODY = Buffer.from('ok\n');
/** Sockets the plain reverse proxy keeps open to the origin. */
const PROXY_MAX_SOCKETS = 64;

const [mode, originArg] = process.argv.slice(2);

/** Origin mode: a fixed answer. */
function origin(_req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
  res.end(BODY);
}

/** Proxy mode (the baseline): a plain Node HTTP reverse proxy to the origin, keep-alive both sides. */
function proxy(originPort: number): http.RequestListener {
  const agent = new http.Agent({ keepAlive: true, maxSockets: PROXY_MAX_SOCKETS });
  return (req, res) => {
    const upstream = http.request(
      { host: LOOPBACK, port: originPort, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  };
}

const listener = mode === 'proxy' ? proxy(Number(originArg)) : origin;
const server = http.createServer({ keepAlive: true }, listener);
server.listen(0, LOOPBACK, () => announcePorts([(server.address() as { port: number }).port]));
