// A GET against a running admin API on loopback, with or without Basic credentials, for the admin e2e tests.
import http from 'node:http';

/** A request that takes longer fails the test instead of hanging it. */
export const ADMIN_REQUEST_TIMEOUT_MS = 20_000;

/** What a GET returned. */
export interface AdminAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** GET `path` from 127.0.0.1:`port`, sending `authorization` as the Authorization header when given. */
export function adminGet(port: number, path: string, authorization?: string): Promise<AdminAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path,
        agent: false,
        timeout: ADMIN_REQUEST_TIMEOUT_MS,
        headers: authorization === undefined ? {} : { Authorization: authorization },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}
