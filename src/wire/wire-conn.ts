// One interface over frp wire v1 and v2: version sniffing, the control-connection handshake on each side, message I/O.
//
// Shape (the server and client never branch on the version):
//   server:  acceptWire(stream) → { conn, first, clientHello?, handshake? }
//            first is a Login → check it → startServerControl(...) → ControlChannel, or refuseLogin(...)
//            first is NewWorkConn / NewVisitorConn → use conn (raw bytes flow on conn.stream afterwards)
//            HelloError → writeServerHelloError(stream, err.reason); MissingHelloError → refuseLogin(err.accepted, …)
//   client:  clientLogin(stream, version, login, …) → { resp, channel? }
//            openWire(stream, version) for work and visitor connections.
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode } from '../errors.js';
import { createEncryptedStream } from './cipher.js';
import { DEFAULT_READ_TIMEOUT_MS } from './constants.js';
import { readExactly, readMessage, writeMessage } from './message-io.js';
import type { Login, LoginResp, Message } from './messages.js';
import { createAeadStream } from './v2/aead-stream.js';
import {
  FRAME_CLIENT_HELLO,
  FRAME_SERVER_HELLO,
  MAGIC,
  MAGIC_READ_TIMEOUT_MS,
  MAGIC_SIZE,
  type AeadAlgorithm,
} from './v2/constants.js';
import { deriveControlKeys, transcriptHash } from './v2/crypto.js';
import {
  decodeMessageFrame,
  encodeFrame,
  encodeMessageFrame,
  frameTypeName,
  readFrame,
  readV2Message,
  remainingMs,
} from './v2/frame.js';
import {
  checkAlgorithmList,
  checkServerHello,
  decodeClientHello,
  decodeServerHello,
  encodeClientHello,
  encodeServerHello,
  HelloError,
  newClientHello,
  newServerHello,
  preferredAlgorithms,
  selectAlgorithm,
  serverHelloError,
  type BootstrapInfo,
  type ClientHello,
} from './v2/hello.js';

/** The frp wire protocol version of a connection. */
export type WireVersion = 'v1' | 'v2';

/** The cipher name reported for a v1 control channel (frp's AES-128-CFB with the token-derived key). */
export const V1_CONTROL_ALGORITHM = 'aes-128-cfb';

/** Why frps refuses a v2 Login that came without a ClientHello (frp's wording). */
export const MISSING_HELLO_REASON = 'missing v2 crypto negotiation';

/** Options of WireConn.read. */
export interface WireReadOptions {
  /** Deadline for the whole message in ms; 0 = none. Default DEFAULT_READ_TIMEOUT_MS (10 s), as readMessage. */
  timeoutMs?: number;
}

/** A logical connection speaking frp messages (v1 frames or v2 Message frames) on `stream`. */
export interface WireConn {
  readonly version: WireVersion;
  /** The underlying connection; after a work connection's StartWorkConn, raw bytes flow here. */
  readonly stream: Duplex;
  /** Exactly one message, never reading a byte past it (like readMessage). */
  read(opts?: WireReadOptions): Promise<Message>;
  /** Write one message in one write(); returns write()'s backpressure result. */
  write(msg: Message): boolean;
}

/** The encrypted control channel after login, the same for both versions. */
export interface ControlChannel extends WireConn {
  /** 'aes-128-cfb' for v1; the negotiated AEAD ('aes-256-gcm' or 'xchacha20-poly1305') for v2. */
  readonly algorithm: string;
  /** The encrypted Duplex (use it for close/destroy/events); the raw connection is under it. */
  readonly stream: Duplex;
}

/** What the server learned from a v2 ClientHello: the algorithm and the transcript hash of both hellos. */
export interface V2Handshake {
  readonly algorithm: AeadAlgorithm;
  readonly transcriptHash: Buffer;
}

/** A connection accepted by the server: its conn, its first message, and for v2 control connections the hello. */
export interface AcceptedWire {
  readonly conn: WireConn;
  readonly first: Message;
  /** The client's hello (v2 control connections only). */
  readonly clientHello?: ClientHello;
  /** Set when a valid ClientHello was answered (its ServerHello is already written). */
  readonly handshake?: V2Handshake;
}

/**
 * A v2 Login arrived without a ClientHello. frps then answers a LoginResp whose error is
 * MISSING_HELLO_REASON, in clear: do the same with refuseLogin(err.accepted, { version, error: err.reason }).
 */
export class MissingHelloError extends HelloError {
  /** The accepted connection (v2, first = the Login), for refuseLogin. */
  readonly accepted: AcceptedWire;

  constructor(accepted: AcceptedWire) {
    super(MISSING_HELLO_REASON, `v2 Login without a ClientHello: ${MISSING_HELLO_REASON}`);
    this.name = 'MissingHelloError';
    this.accepted = accepted;
  }
}

class V1Conn implements WireConn {
  readonly version = 'v1';
  constructor(readonly stream: Duplex) {}

  read(opts: WireReadOptions = {}): Promise<Message> {
    return readMessage(this.stream, { timeoutMs: opts.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS });
  }

  write(msg: Message): boolean {
    return writeMessage(this.stream, msg);
  }
}

class V2Conn implements WireConn {
  readonly version = 'v2';
  constructor(readonly stream: Duplex) {}

  read(opts: WireReadOptions = {}): Promise<Message> {
    return readV2Message(this.stream, { timeoutMs: opts.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS });
  }

  write(msg: Message): boolean {
    return this.stream.write(encodeMessageFrame(msg));
  }
}

/** A WireConn of `version` over `stream`, writing nothing (no magic): for streams whose preamble is done. */
export function wrapWire(stream: Duplex, version: WireVersion): WireConn {
  return version === 'v2' ? new V2Conn(stream) : new V1Conn(stream);
}

/** Client side, work and visitor connections: v2 writes the magic first; messages go in clear. */
export function openWire(stream: Duplex, version: WireVersion): WireConn {
  if (version === 'v2') stream.write(MAGIC);
  return wrapWire(stream, version);
}

function channel(stream: Duplex, version: WireVersion, algorithm: string): ControlChannel {
  const conn = wrapWire(stream, version);
  return { version, algorithm, stream, read: (opts) => conn.read(opts), write: (msg) => conn.write(msg) };
}

/** Options of acceptWire. */
export interface AcceptWireOptions {
  /** Deadline for the magic, the hello and the first message together, in ms. Default 10 s (frps). */
  timeoutMs?: number;
}

/**
 * Server side: sniff the first 7 bytes — the v2 magic (consumed) or else v1 (bytes put back) — and
 * read the first message, all within one deadline. For v2 a ClientHello frame may come first: it is
 * validated and answered at once with a ServerHello (as frps does), then the first Message frame is read.
 * Throws HelloError (answer with writeServerHelloError) for an invalid hello, MissingHelloError for a
 * v2 Login without hello, PROTOCOL for malformed input, TIMEOUT / UNEXPECTED_EOF.
 */
export async function acceptWire(stream: Duplex, opts: AcceptWireOptions = {}): Promise<AcceptedWire> {
  const timeoutMs = opts.timeoutMs ?? MAGIC_READ_TIMEOUT_MS;
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : 0;
  const head = await readExactly(stream, MAGIC_SIZE, timeoutMs);
  if (!head.equals(MAGIC)) {
    putBack(stream, head);
    const conn = new V1Conn(stream);
    return { conn, first: await readMessage(stream, { timeoutMs: remainingMs(deadline, timeoutMs) }) };
  }

  const conn = new V2Conn(stream);
  let frame = await readFrame(stream, { timeoutMs: remainingMs(deadline, timeoutMs) });
  let clientHello: ClientHello | undefined;
  let handshake: V2Handshake | undefined;
  if (frame.type === FRAME_CLIENT_HELLO) {
    clientHello = decodeClientHello(frame.payload);
    const algorithm = selectAlgorithm(clientHello);
    const serverHelloPayload = encodeServerHello(newServerHello(algorithm));
    stream.write(encodeFrame(FRAME_SERVER_HELLO, serverHelloPayload));
    handshake = { algorithm, transcriptHash: transcriptHash(frame.payload, serverHelloPayload) };
    frame = await readFrame(stream, { timeoutMs: remainingMs(deadline, timeoutMs) });
  }
  const first = decodeMessageFrame(frame);
  const accepted: AcceptedWire = { conn, first, clientHello, handshake };
  if (first.type === 'Login' && handshake === undefined) throw new MissingHelloError(accepted);
  return accepted;
}

// Give the sniffed bytes back to the stream so the v1 reader sees them first.
function putBack(stream: Duplex, bytes: Buffer): void {
  try {
    stream.unshift(bytes);
  } catch (err) {
    throw new BurrowError(ErrorCode.UNEXPECTED_EOF, `connection ended right after its first ${bytes.length} bytes`, {
      cause: err,
    });
  }
}

/** Answer an invalid v2 ClientHello as frps does: a ServerHello carrying `reason` (codec json, no crypto), then end. */
export function writeServerHelloError(stream: Duplex, reason: string): void {
  stream.end(encodeFrame(FRAME_SERVER_HELLO, encodeServerHello(serverHelloError(reason))));
}

/**
 * After a successful login check: write the LoginResp in clear and switch the control connection to
 * encrypted. v1: AES-128-CFB with `encryptionKey` (deriveCipherKey(token)). v2: the AEAD stream with
 * HKDF keys from the raw `token` bytes and the hello transcript (the ServerHello went out in acceptWire).
 */
export function startServerControl(
  accepted: AcceptedWire,
  loginResp: LoginResp,
  encryptionKey: Buffer,
  token: string,
): ControlChannel {
  if (loginResp.error !== undefined && loginResp.error !== '') {
    throw new BurrowError(
      ErrorCode.INTERNAL,
      `startServerControl got a LoginResp with error "${loginResp.error}": use refuseLogin`,
    );
  }
  const { conn } = accepted;
  if (conn.version === 'v1') {
    conn.write({ type: 'LoginResp', body: loginResp });
    return channel(createEncryptedStream(conn.stream, encryptionKey), 'v1', V1_CONTROL_ALGORITHM);
  }
  const { handshake } = accepted;
  if (handshake === undefined) throw new BurrowError(ErrorCode.PROTOCOL, MISSING_HELLO_REASON);
  conn.write({ type: 'LoginResp', body: loginResp });
  const keys = deriveControlKeys(token, handshake.algorithm, handshake.transcriptHash);
  const aead = createAeadStream(conn.stream, {
    algorithm: handshake.algorithm,
    sendKey: keys.serverToClient,
    recvKey: keys.clientToServer,
  });
  return channel(aead, 'v2', handshake.algorithm);
}

/**
 * Refuse a login: write `loginResp` (with its error) in clear, then end the connection. For v2 the
 * ServerHello already went out in acceptWire, so the client sees ServerHello then LoginResp, as from frps.
 */
export function refuseLogin(accepted: AcceptedWire, loginResp: LoginResp): void {
  accepted.conn.write({ type: 'LoginResp', body: loginResp });
  accepted.conn.stream.end();
}

/** Options of clientLogin. */
export interface ClientLoginOptions {
  /** auth.token: the v2 key material (raw bytes). */
  token: string;
  /** deriveCipherKey(token): the v1 AES-128-CFB key. */
  encryptionKey: Buffer;
  /** Deadline for the whole answer (v2: ServerHello and LoginResp together), in ms; frpc uses 10 s. */
  timeoutMs: number;
  /** v2: algorithms to offer, in order of preference. Default preferredAlgorithms(). */
  algorithms?: readonly string[];
  /** v2: what the ClientHello's bootstrap says (frps ignores it). Default { transport: 'tcp' }. */
  bootstrap?: BootstrapInfo;
}

/** What clientLogin returns: the server's LoginResp, and the encrypted channel when it has no error. */
export interface ClientLoginResult {
  resp: LoginResp;
  channel?: ControlChannel;
}

/**
 * Client side of the control-connection handshake. Writes the Login (v2: magic, ClientHello, Login
 * in one write), reads the answer (v2: ServerHello, checked, then LoginResp) within `timeoutMs`, and
 * returns the channel only when the LoginResp has no error. Throws PROTOCOL when the answer is not
 * what frp sends (wrong frame or message, ServerHello with `error`, bad selection), TIMEOUT, UNEXPECTED_EOF.
 */
export async function clientLogin(
  stream: Duplex,
  version: WireVersion,
  login: Login,
  opts: ClientLoginOptions,
): Promise<ClientLoginResult> {
  const loginMsg: Message = { type: 'Login', body: login };
  if (version === 'v1') {
    writeMessage(stream, loginMsg);
    const resp = expectLoginResp(await readMessage(stream, { timeoutMs: opts.timeoutMs }));
    if (isRefused(resp)) return { resp };
    return { resp, channel: channel(createEncryptedStream(stream, opts.encryptionKey), 'v1', V1_CONTROL_ALGORITHM) };
  }

  const algorithms = opts.algorithms === undefined ? preferredAlgorithms() : checkAlgorithmList(opts.algorithms);
  const hello = newClientHello(opts.bootstrap ?? { transport: 'tcp' }, algorithms);
  const clientHelloPayload = encodeClientHello(hello);
  stream.write(
    Buffer.concat([MAGIC, encodeFrame(FRAME_CLIENT_HELLO, clientHelloPayload), encodeMessageFrame(loginMsg)]),
  );

  const deadline = opts.timeoutMs > 0 ? Date.now() + opts.timeoutMs : 0;
  const frame = await readFrame(stream, { timeoutMs: opts.timeoutMs });
  if (frame.type !== FRAME_SERVER_HELLO) {
    throw new BurrowError(
      ErrorCode.PROTOCOL,
      `unexpected frame type ${frame.type} (${frameTypeName(frame.type)}) in answer to the v2 ClientHello, want ${FRAME_SERVER_HELLO} (ServerHello)`,
    );
  }
  const algorithm = checkServerHello(hello, decodeServerHello(frame.payload));
  const transcript = transcriptHash(clientHelloPayload, frame.payload);
  const resp = expectLoginResp(await readV2Message(stream, { timeoutMs: remainingMs(deadline, opts.timeoutMs) }));
  if (isRefused(resp)) return { resp };
  const keys = deriveControlKeys(opts.token, algorithm, transcript);
  const aead = createAeadStream(stream, { algorithm, sendKey: keys.clientToServer, recvKey: keys.serverToClient });
  return { resp, channel: channel(aead, 'v2', algorithm) };
}

function expectLoginResp(msg: Message): LoginResp {
  if (msg.type !== 'LoginResp')
    throw new BurrowError(ErrorCode.PROTOCOL, `expected a LoginResp in answer to Login, got ${msg.type}`);
  return msg.body;
}

function isRefused(resp: LoginResp): boolean {
  return resp.error !== undefined && resp.error !== '';
}
