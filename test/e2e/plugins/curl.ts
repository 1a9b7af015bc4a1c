// The curl CLI as the plugin e2e tests drive it: one run with a timeout, the status line and body split apart.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One curl run may take this long before the test fails. */
export const CURL_TIMEOUT_MS = 30_000;

/** What one curl run printed. */
export interface CurlResult {
  /** curl's exit code (0 = transfer done; 97 = SOCKS5 refused, 56 = CONNECT refused, …). */
  code: number;
  /** The body (stdout minus the -w line). */
  body: string;
  /** What `-w` printed: "%{http_code} %{http_connect}" (the CONNECT answer's status, 000 when none). */
  status: number;
  connectStatus: number;
  /** Response headers (`-D`), lower-cased names, last response only. */
  headers: Record<string, string>;
  stderr: string;
}

/** The marker before curl's -w output, so a body cannot be mistaken for it. */
const MARK = '\n@@curl@@';

/** Runs `curl -sS ARGS` and parses its output; never rejects on a non-zero exit (the code is in the result). */
export function curl(args: string[]): Promise<CurlResult> {
  const dir = mkdtempSync(join(tmpdir(), 'burrow-curl-'));
  const headerFile = join(dir, 'headers');
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      [
        '-sS',
        '--max-time',
        String(CURL_TIMEOUT_MS / 1000),
        '-D',
        headerFile,
        '-w',
        `${MARK}%{http_code} %{http_connect}`,
        ...args,
      ],
      { timeout: CURL_TIMEOUT_MS + 5_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        let headerText = '';
        try {
          headerText = readFileSync(headerFile, 'latin1');
        } catch {
          // No response came (curl failed before one): no headers.
        }
        rmSync(dir, { recursive: true, force: true });
        if (err && typeof err.code !== 'number') {
          reject(err);
          return;
        }
        const at = stdout.lastIndexOf(MARK);
        const [status = '0', connect = '0'] = (at >= 0 ? stdout.slice(at + MARK.length) : '').split(' ');
        const headers: Record<string, string> = {};
        // -D: each response's header block; keep the last one's fields.
        for (const line of headerText.split(/\r?\n/)) {
          if (/^HTTP\//.test(line)) for (const k of Object.keys(headers)) delete headers[k];
          const colon = line.indexOf(':');
          if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
        }
        resolve({
          code: err ? Number(err.code) : 0,
          body: at >= 0 ? stdout.slice(0, at) : stdout,
          status: Number(status),
          connectStatus: Number(connect),
          headers,
          stderr,
        });
      },
    );
  });
}
