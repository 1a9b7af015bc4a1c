// The server side of enrollment: answers POST /~!burrow/enroll and /~!burrow/renew on a connection the tunnel acceptor hands over.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import type { ClientPolicy } from '../config/index.js';
import { BurrowError, ErrorCode, errorMessage, isBurrowError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { destroySoon } from '../net/linger.js';
import { exists } from '../pki/files.js';
import { answerOnSocket, ERROR_RESPONSE_FLUSH_MS, HttpEngine } from '../transport/index.js';
import { describeIdentity, identityMatches, watchFiles, type FileWatch, type PeerIdentity } from '../tls/index.js';
import {
  clientsFile,
  enrollIdentity,
  findByFingerprint,
  markSeen,
  policyEnforced,
  policyEntries,
  readClients,
  recordRenewal,
  revokedIdentities,
} from './clients-store.js';
import {
  ACCEPTING_PROBE_MS,
  ENROLL_PATH,
  LAST_SEEN_WRITE_INTERVAL_MS,
  RENEW_PATH,
  REQUEST_TIMEOUT_MS,
} from './constants.js';
import { checkCsr, CsrRefusal } from './csr.js';
import { HttpRefusal, readRequestBody } from './request-body.js';
import { issueClientCert, loadEnrollCa, revokedAt, type IssuedCert } from './issuer.js';
import { EnrollRequestSchema, RenewRequestSchema, type IssuedResponse } from './protocol.js';
import { RequestRateLimiter, remoteIp } from './rate-limit.js';
import { parseToken } from './token.js';
import { consumeToken, tokensFile, TokenRefusal } from './token-store.js';

/** TLS facts the acceptor passes along: the client certificate's identity, when one was presented. */
export interface EnrollTlsFacts {
  identity?: PeerIdentity;
}

/** Options of the service. */
export interface EnrollServiceOptions {
  /** The CA directory; undefined = enrollment disabled (`disabledReason` says why). */
  caDir?: string;
  /** Why enrollment is off, when it is. */
  disabledReason?: string;
  /** The server's auth.token, handed to enrolled clients (frp logins need it). */
  authToken: string;
  /** The server's transport.tcpMux, which clients must match. */
  tcpMux: boolean;
  /** Passphrase of an encrypted CA key. */
  caPassphrase?: string;
  logger?: Logger;
  /** Clock (tests). */
  now?: () => number;
  /** Rate limiter (tests may pass a tighter one). */
  rateLimiter?: RequestRateLimiter;
}

/** A refusal with the status to answer. */
class Refusal extends BurrowError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(ErrorCode.AUTH, message);
  }
}

/** The HTTP status a failure is answered with: refusals say theirs, token problems 403, CSR problems 400, the rest 500. */
function statusOf(err: unknown): number {
  if (err instanceof Refusal || err instanceof HttpRefusal) return err.status;
  if (err instanceof TokenRefusal || isBurrowError(err, ErrorCode.AUTH)) return 403;
  if (err instanceof CsrRefusal) return 400;
  return 500;
}

/** What the server's identity policy takes from enrollment (see policyEntries, policyEnforced, revokedIdentities). */
interface PolicyState {
  entries: ClientPolicy[];
  enforced: boolean;
  revoked: string[];
}

/**
 * Enrollment endpoint. `handle()` takes a decrypted stream whose first bytes are the HTTP request
 * (`POST /~!burrow/…`), answers one JSON response and closes. Emits 'policyChanged' (entries) when
 * an identity enrolls or the enrolled-clients file changes what the policy takes from it (entries,
 * enforcement, revoked identities), and 'enrolled' / 'renewed' (identity).
 */
export class EnrollService extends EventEmitter {
  readonly caDir: string | undefined;
  readonly disabledReason: string | undefined;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly limiter: RequestRateLimiter;
  private policy: PolicyState = { entries: [], enforced: false, revoked: [] };
  private watch: FileWatch | undefined;
  private inUse = false;
  private lastProbe = 0;
  private readonly seenWritten = new Map<string, number>();
  /** The HTTP engine of callers that bring none (tests, library use); a server passes its own. */
  private ownHttp: HttpEngine | undefined;

  constructor(private readonly options: EnrollServiceOptions) {
    super();
    this.caDir = options.caDir || undefined;
    this.disabledReason = options.caDir ? undefined : (options.disabledReason ?? 'no CA directory is configured');
    this.logger = options.logger ?? silentLogger();
    this.now = options.now ?? Date.now;
    this.limiter = options.rateLimiter ?? new RequestRateLimiter();
  }

  /** True when this server can issue certificates (its CA set-up is ready). */
  get enabled(): boolean {
    return this.caDir !== undefined;
  }

  /**
   * True once enrollment is in use: the set-up is ready and a token was ever created (or a client
   * enrolled). Only then should the acceptor route `POST /~!burrow/` here and let clients without
   * a certificate finish the TLS handshake; a server that never enrolls anyone keeps refusing them
   * at the handshake, exactly as before. Followed by file watch, so `token create` turns it on.
   */
  get accepting(): boolean {
    const caDir = this.caDir;
    if (this.inUse || !caDir) return this.inUse;
    // Not in use yet: look for the files now and then (a cheap stat, at most every
    // ACCEPTING_PROBE_MS), so a join right after `token create` is not left waiting for the file watch.
    const now = this.now();
    if (now - this.lastProbe >= ACCEPTING_PROBE_MS) {
      this.lastProbe = now;
      this.inUse = existsSync(tokensFile(caDir)) || existsSync(clientsFile(caDir));
      if (this.inUse) this.logger.info({ caDir }, 'enrollment in use: clients may join on bindPort');
    }
    return this.inUse;
  }

  /** Loads the enrolled identities and watches the enrollment files (the CLI writes them). */
  async start(): Promise<void> {
    const caDir = this.caDir;
    if (!caDir) return;
    await this.refresh(caDir);
    this.watch = watchFiles([clientsFile(caDir), tokensFile(caDir)], () => {
      void this.refresh(caDir).catch((err: unknown) =>
        this.logger.error({ err: errorMessage(err) }, 'cannot reload the enrolled clients'),
      );
    });
  }

  private async refresh(caDir: string): Promise<void> {
    const inUse = (await exists(tokensFile(caDir))) || (await exists(clientsFile(caDir)));
    if (inUse && !this.inUse) this.logger.info({ caDir }, 'enrollment in use: clients may join on bindPort');
    this.inUse = inUse;
    await this.reloadPolicy();
  }

  /** Stops watching files. */
  close(): void {
    this.watch?.close();
  }

  /** [[auth.clients]] entries of the enrolled identities that are not revoked (merge them into the server's policy). */
  policyEntries(): ClientPolicy[] {
    return this.policy.entries.map((p) => ({
      ...p,
      allowProxies: [...p.allowProxies],
      allowPorts: p.allowPorts.map((r) => ({ ...r })),
      allowDomains: [...p.allowDomains],
    }));
  }

  /**
   * True once any identity enrolled, revoked ones included: the server's identity policy must then
   * be enforced even with no entry left, or revoking the last identity would let every client
   * certificate open any proxy.
   */
  policyEnforced(): boolean {
    return this.policy.enforced;
  }

  /** The revoked identities: they must match no policy entry (not even one from frps.toml). */
  revokedIdentities(): string[] {
    return [...this.policy.revoked];
  }

  /**
   * Whether a client's certificate identity (or an identity name) is a revoked enrolled identity,
   * matched as a policy id would be: the server closes such sessions on 'policyChanged'.
   */
  isRevokedIdentity(identity: PeerIdentity | string | undefined): boolean {
    if (identity === undefined) return false;
    if (typeof identity === 'string') return this.policy.revoked.includes(identity);
    return this.policy.revoked.some((id) => identityMatches(identity, id));
  }

  private async reloadPolicy(): Promise<void> {
    if (!this.caDir) return;
    const data = await readClients(clientsFile(this.caDir));
    const next: PolicyState = {
      entries: policyEntries(data),
      enforced: policyEnforced(data),
      revoked: revokedIdentities(data),
    };
    const changed = JSON.stringify(next) !== JSON.stringify(this.policy);
    this.policy = next;
    if (changed) this.emit('policyChanged', this.policyEntries());
  }

  /**
   * Notes that an identity logged in (for `burrow server clients`' last seen); written at most
   * once a minute per identity; identities that did not enroll are ignored.
   */
  noteSeen(identity: PeerIdentity | undefined, remoteAddress: string): void {
    const caDir = this.caDir;
    if (!caDir || !identity || !this.policy.entries.some((p) => p.id === identity.cn)) return;
    const now = this.now();
    const last = this.seenWritten.get(identity.cn) ?? 0;
    if (now - last < LAST_SEEN_WRITE_INTERVAL_MS) return;
    this.seenWritten.set(identity.cn, now);
    void markSeen(clientsFile(caDir), identity.cn, new Date(now), remoteAddress).catch((err: unknown) =>
      this.logger.warn({ identity: identity.cn, err: errorMessage(err) }, 'cannot record last seen'),
    );
  }

  /**
   * Serves one enrollment request on `conn` (parsed by `http`, the server's HTTP engine; a private one
   * when absent) and closes it. Never throws; failures are answered and logged.
   */
  handle(conn: Duplex, tls: EnrollTlsFacts | undefined, remoteAddress: string, http?: HttpEngine): void {
    conn.on('error', (err) =>
      this.logger.debug({ remote: remoteAddress, err: err.message }, 'enrollment connection error'),
    );
    this.serve(conn, tls, remoteAddress, http ?? (this.ownHttp ??= new HttpEngine()));
  }

  /** Reads the request through the engine (bounded head and body, one deadline), answers once, closes. */
  private serve(conn: Duplex, tls: EnrollTlsFacts | undefined, remote: string, http: HttpEngine): void {
    let answered = false;
    let response: ServerResponse | undefined;
    const finish = (): boolean => {
      if (answered) return false;
      answered = true;
      clearTimeout(timer);
      http.release(conn);
      return true;
    };
    const answer = (status: number, body: unknown): void => {
      const json = JSON.stringify(body);
      const headers = { 'Cache-Control': 'no-store' };
      if (response && !response.headersSent) {
        response.writeHead(status, {
          ...headers,
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(json),
          Connection: 'close',
        });
        response.end(json);
      } else {
        void answerOnSocket(conn, status, { type: 'application/json', text: json }, ERROR_RESPONSE_FLUSH_MS, headers);
      }
      destroySoon(conn);
    };
    const refuse = (err: HttpRefusal): void => {
      if (!finish()) return;
      this.logger.warn({ remote, reason: err.message }, 'enrollment request refused');
      answer(err.status, { error: err.message });
    };
    const timer = setTimeout(
      () =>
        refuse(new HttpRefusal(408, `the request did not arrive within ${REQUEST_TIMEOUT_MS} ms`, ErrorCode.TIMEOUT)),
      REQUEST_TIMEOUT_MS,
    );
    conn.once('close', () => {
      if (finish())
        this.logger.warn(
          { remote, reason: 'the connection closed before the whole request arrived' },
          'enrollment request refused',
        );
    });
    http.take(conn, {
      badRequest: (status, reason) =>
        refuse(new HttpRefusal(status, reason, status === 431 ? ErrorCode.MESSAGE_TOO_LARGE : ErrorCode.PROTOCOL)),
      request: (req, res) => {
        if (response) {
          req.resume(); // one exchange per connection: a pipelined second request is not served
          return;
        }
        response = res;
        void readRequestBody(req).then(
          (body) => {
            if (!finish()) return;
            void this.respond(req, body, tls, remote).then(({ status, body: answerBody }) =>
              answer(status, answerBody),
            );
          },
          (err: unknown) =>
            refuse(err instanceof HttpRefusal ? err : new HttpRefusal(400, errorMessage(err), ErrorCode.PROTOCOL)),
        );
      },
    });
  }

  /** The status and JSON body answering a complete request; failures become their status and reason. */
  private async respond(
    req: IncomingMessage,
    body: Buffer,
    tls: EnrollTlsFacts | undefined,
    remote: string,
  ): Promise<{ status: number; body: unknown }> {
    const path = req.url ?? '';
    try {
      return { status: 200, body: await this.route(req.method ?? '', path, req, body, tls, remote) };
    } catch (err) {
      const status = statusOf(err);
      const reason = errorMessage(err);
      const log = status === 500 ? this.logger.error.bind(this.logger) : this.logger.warn.bind(this.logger);
      log(
        { remote, path, identity: tls?.identity ? describeIdentity(tls.identity) : undefined, reason },
        'enrollment request refused',
      );
      // Internal failures may name server paths: the client gets a pointer to the log instead.
      return {
        status,
        body: { error: status === 500 ? 'the server could not complete the request; its log says why' : reason },
      };
    }
  }

  private async route(
    method: string,
    path: string,
    req: IncomingMessage,
    body: Buffer,
    tls: EnrollTlsFacts | undefined,
    remote: string,
  ): Promise<IssuedResponse> {
    if (req.httpVersion !== '1.1' && req.httpVersion !== '1.0')
      throw new Refusal(400, 'expected an HTTP/1.1 request line');
    if (path !== ENROLL_PATH && path !== RENEW_PATH)
      throw new Refusal(
        404,
        `no such enrollment endpoint ${JSON.stringify(path)} (expected ${ENROLL_PATH} or ${RENEW_PATH})`,
      );
    if (method !== 'POST') throw new Refusal(405, `${path} takes POST`);
    const ip = remoteIp(remote);
    if (!this.limiter.attempt(ip, this.now())) {
      throw new Refusal(
        429,
        `too many enrollment attempts from ${ip}; try again in ${this.limiter.retryAfterSeconds(ip, this.now())} s`,
      );
    }
    // The reason names server paths: it goes to the server's log (at start), not to anyone who asks.
    if (!this.caDir) throw new Refusal(503, "enrollment is not enabled on this server; the server's log says why");
    if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
      throw new Refusal(415, 'send the request as Content-Type: application/json');
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new Refusal(400, 'the request body is not valid JSON');
    }
    return path === ENROLL_PATH ? this.enroll(this.caDir, json, remote) : this.renew(this.caDir, json, tls, remote);
  }

  private async enroll(caDir: string, json: unknown, remote: string): Promise<IssuedResponse> {
    const parsed = EnrollRequestSchema.safeParse(json);
    if (!parsed.success)
      throw new Refusal(
        400,
        'the request body must be {"token": "...", "csr": "-----BEGIN CERTIFICATE REQUEST-----..."}',
      );
    const token = parseToken(parsed.data.token);
    const now = this.now();
    const result = await consumeToken(
      tokensFile(caDir),
      token,
      remote,
      async (record) => {
        const publicKey = await checkCsr(parsed.data.csr, record.identity);
        const allowances = {
          allowProxies: record.allowProxies,
          allowPorts: record.allowPorts,
          allowDomains: record.allowDomains,
        };
        const entry = {
          identity: record.identity,
          allowances,
          certDays: record.certDays,
          remote,
          tokenCreatedAt: record.createdAt,
        };
        // Issued under the enrolled-clients lock, after its revoked check (see enrollIdentity).
        const issued = await enrollIdentity(clientsFile(caDir), entry, async () =>
          issueClientCert(
            await loadEnrollCa(caDir, this.options.caPassphrase),
            record.identity,
            publicKey,
            record.certDays,
          ),
        );
        return { issued, record, allowances };
      },
      now,
    );
    const { issued, record, allowances } = result;
    this.logger.info(
      {
        identity: record.identity,
        remote,
        tokenId: record.id,
        serial: issued.record.serial,
        fingerprint: issued.record.fingerprint,
        notAfter: issued.record.notAfter,
      },
      'client enrolled',
    );
    await this.reloadPolicy();
    this.emit('enrolled', record.identity);
    return {
      ...issuedAnswer(record.identity, issued),
      client: { authToken: this.options.authToken, tcpMux: this.options.tcpMux, allowances },
    };
  }

  private async renew(
    caDir: string,
    json: unknown,
    tls: EnrollTlsFacts | undefined,
    remote: string,
  ): Promise<IssuedResponse> {
    const identity = tls?.identity;
    if (!identity) {
      throw new Refusal(
        401,
        'renewal needs the current client certificate: connect with transport.tls.certFile and keyFile (mutual TLS)',
      );
    }
    const parsed = RenewRequestSchema.safeParse(json);
    if (!parsed.success)
      throw new Refusal(400, 'the request body must be {"csr": "-----BEGIN CERTIFICATE REQUEST-----..."}');
    const found = findByFingerprint(await readClients(clientsFile(caDir)), identity.fingerprint);
    const who = `${describeIdentity(identity)} (${identity.fingerprint})`;
    if (!found)
      throw new Refusal(
        403,
        `the client certificate ${who} was not issued by enrollment on this server; enroll with a token first`,
      );
    const { record, cert } = found;
    if (record.revokedAt !== undefined)
      throw new Refusal(403, `identity "${record.identity}" was revoked at ${record.revokedAt}; it cannot renew`);
    const ca = await loadEnrollCa(caDir, this.options.caPassphrase);
    const revoked = await revokedAt(ca, cert.serial);
    if (revoked !== undefined)
      throw new Refusal(403, `the client certificate ${who} was revoked at ${revoked}; it cannot renew`);
    if (Date.parse(cert.notAfter) <= this.now())
      throw new Refusal(
        403,
        `the client certificate ${who} expired at ${cert.notAfter}; enroll again with a new token`,
      );
    const publicKey = await checkCsr(parsed.data.csr, record.identity);
    const issued = await issueClientCert(ca, record.identity, publicKey, record.certDays);
    await recordRenewal(clientsFile(caDir), record.identity, issued.record, remote);
    this.logger.info(
      {
        identity: record.identity,
        remote,
        previousSerial: cert.serial,
        serial: issued.record.serial,
        notAfter: issued.record.notAfter,
      },
      'client certificate renewed',
    );
    this.emit('renewed', record.identity);
    return issuedAnswer(record.identity, issued);
  }
}

/** The answer both /enroll and /renew give for a freshly issued certificate. */
function issuedAnswer(identity: string, issued: IssuedCert): IssuedResponse {
  return {
    identity,
    certificate: issued.certPem,
    ca: issued.caPem,
    serial: issued.record.serial,
    notAfter: issued.record.notAfter,
  };
}
