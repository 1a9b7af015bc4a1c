// burrow's login proof: fixed HMAC vectors, constant-time checks, the replay memories and the server's login policy.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../src/errors.js';
import {
  decodeServerNonce,
  decodeMessage,
  encodeMessage,
  encodeServerNonce,
  ExpiringSet,
  LOGIN_PROOF_WINDOW_SEC,
  LOGIN_REPLAY_MEMORY_MS,
  LoginProofFailure,
  LoginProofGuard,
  LoginProofRefusal,
  loginProof,
  loginProofMetas,
  newClientNonce,
  newServerNonce,
  privilegeKey,
  readLoginProofMetas,
  secretEquals,
  SequenceWindow,
  verifyLoginProof,
  verifyWorkConnProof,
  workConnProof,
  type Login,
  type LoginProofInput,
} from '../../src/wire/index.js';
import { mayReplaceSession } from '../../src/wire/login-guard.js';
import { loginDigest, proofInput } from '../../src/wire/login-proof.js';

// Vectors computed independently with Python 3's hmac/hashlib/struct from the documented input
// layout (each part as a 4-byte big-endian length, then its bytes): LOGIN_DIGEST =
// sha256(lp("burrow login digest v1") ‖ lp(privilege_key) ‖ lp("1700000000") ‖ lp("alice") ‖
// lp("fixture-host") ‖ lp("linux") ‖ lp("amd64") ‖ lp("0.70.0") ‖ lp("") ‖ lp("edge-1") ‖ lp("1")),
// LOGIN_PROOF = HMAC-SHA256(token, lp(label) ‖ lp(nonce) ‖ lp(run_id) ‖ lp(privilege_key) ‖
// lp(client nonce) ‖ lp(LOGIN_DIGEST)), EMPTY_LOGIN_DIGEST with every field absent ("" / "0").
const TOKEN = 'fixture-token';
const TIMESTAMP = 1_700_000_000;
const SERVER_NONCE = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const SERVER_NONCE_TEXT = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const RUN_ID = '0123456789abcdef';
const PRIVILEGE_KEY = 'c130b70990fbe2c33b8218fde6efe926';
const CLIENT_NONCE = 'oKGio6SlpqeoqaqrrK2urw==';
/** The Login the vectors sign, as the client sent it (run_id empty: a first login). */
const LOGIN: Login = {
  version: '0.70.0',
  hostname: 'fixture-host',
  os: 'linux',
  arch: 'amd64',
  user: 'alice',
  privilege_key: PRIVILEGE_KEY,
  timestamp: TIMESTAMP,
  run_id: '',
  client_id: 'edge-1',
  metas: { 'burrow.proof': '1', 'burrow.cnonce': CLIENT_NONCE },
  client_spec: {},
  pool_count: 1,
};
const LOGIN_DIGEST = 'ce987dbf8967931de6a8dc8bde7351008badc4c99f8f3e6def701f7201245c08';
const EMPTY_LOGIN_DIGEST = '0de9b91f02b3f6b1a6da4cc67ebf838ebda9dd678b8763b75fe7bf45d0d6a82d';
const LOGIN_PROOF = 'be79390a57d75e7ce3d4f5cf159febe099a60987488d660b70070a8ff8c54eef';
const WORK_PROOF_1 = '2233379cf50a426c1df35b45c70983da1b8475473b46fd81245850e1c664319f';
const WORK_PROOF_42 = '3a8521ba8b4c6abbbb64f2b95b795986b93ff87c977deaa3e3369217218e5edf';

const INPUT: LoginProofInput = {
  token: TOKEN,
  serverNonce: SERVER_NONCE,
  runId: RUN_ID,
  privilegeKey: PRIVILEGE_KEY,
  clientNonce: CLIENT_NONCE,
  loginDigest: Buffer.from(LOGIN_DIGEST, 'hex'),
};

/** Flips one hex digit of `hex` at `index`. */
function flip(hex: string, index: number): string {
  const c = hex[index] === '0' ? '1' : '0';
  return hex.slice(0, index) + c + hex.slice(index + 1);
}

describe('login proof vectors', () => {
  test("the Login privilege key of the vectors is frp's md5(token + timestamp)", () => {
    assert.equal(privilegeKey(TOKEN, TIMESTAMP), PRIVILEGE_KEY);
  });

  test('HMAC input: each part as a 4-byte big-endian length, then its bytes', () => {
    assert.equal(proofInput(['ab', Buffer.from([0])]).toString('hex'), '0000000261620000000100');
    assert.equal(proofInput(['é']).toString('hex'), '00000002c3a9');
  });

  test('the Login digest covers the identifying fields in their fixed order, absent ones as "" or "0"', () => {
    assert.equal(loginDigest(LOGIN).toString('hex'), LOGIN_DIGEST);
    assert.equal(loginDigest({}).toString('hex'), EMPTY_LOGIN_DIGEST);
    // metas and client_spec are not covered: the stripped copy of a Login has the same digest.
    const { metas: _metas, client_spec: _spec, ...bare } = LOGIN;
    assert.equal(loginDigest(bare).toString('hex'), LOGIN_DIGEST);
    const changes: Partial<Login>[] = [
      { privilege_key: privilegeKey(TOKEN, TIMESTAMP + 1) },
      { timestamp: TIMESTAMP + 1 },
      { user: 'mallory' },
      { hostname: 'other-host' },
      { os: 'windows' },
      { arch: 'arm64' },
      { version: '0.61.0' },
      { run_id: RUN_ID },
      { client_id: 'edge-2' },
      { pool_count: 2 },
      // Moving bytes between neighbouring fields cannot give the same digest (length prefixes).
      { user: 'alicef', hostname: 'ixture-host' },
    ];
    for (const change of changes)
      assert.notEqual(loginDigest({ ...LOGIN, ...change }).toString('hex'), LOGIN_DIGEST, JSON.stringify(change));
  });

  test('login proof and work-connection proofs match the fixed vectors', () => {
    assert.equal(loginProof(INPUT), LOGIN_PROOF);
    assert.equal(loginProof({ ...INPUT, loginDigest: loginDigest(LOGIN) }), LOGIN_PROOF);
    assert.equal(workConnProof(TOKEN, SERVER_NONCE, RUN_ID, 1), WORK_PROOF_1);
    assert.equal(workConnProof(TOKEN, SERVER_NONCE, RUN_ID, 42), WORK_PROOF_42);
  });

  test('every bound value changes the proof', () => {
    const variants: LoginProofInput[] = [
      { ...INPUT, token: 'other-token' },
      { ...INPUT, serverNonce: Buffer.alloc(32) },
      { ...INPUT, runId: 'fedcba9876543210' },
      { ...INPUT, privilegeKey: privilegeKey(TOKEN, TIMESTAMP + 1) },
      { ...INPUT, clientNonce: 'AAAAAAAAAAAAAAAAAAAAAA==' },
      // A man in the middle that sets another run_id, user or client_id in the Login on the way.
      { ...INPUT, loginDigest: loginDigest({ ...LOGIN, run_id: RUN_ID }) },
      { ...INPUT, loginDigest: loginDigest({ ...LOGIN, user: 'mallory' }) },
      { ...INPUT, loginDigest: loginDigest({ ...LOGIN, client_id: 'edge-2' }) },
    ];
    for (const variant of variants) assert.notEqual(loginProof(variant), LOGIN_PROOF);
    // Moving bytes between run_id and privilege_key cannot give the same input (length prefixes).
    assert.notEqual(
      loginProof({ ...INPUT, runId: RUN_ID + 'c', privilegeKey: PRIVILEGE_KEY.slice(1) }),
      loginProof({ ...INPUT, privilegeKey: PRIVILEGE_KEY.slice(1) }),
    );
  });

  test('a login proof is never a work-connection proof (distinct labels)', () => {
    assert.notEqual(workConnProof(TOKEN, SERVER_NONCE, RUN_ID, 1), loginProof(INPUT));
    assert.throws(
      () => workConnProof(TOKEN, SERVER_NONCE, RUN_ID, 0),
      (err: unknown) => (err as { code?: string }).code === ErrorCode.INTERNAL,
    );
  });

  test('without a 32-byte Login digest there is no proof: computing one throws INTERNAL, verifying one fails closed', () => {
    for (const bad of [undefined, Buffer.alloc(0), Buffer.alloc(31)]) {
      const input = { ...INPUT, loginDigest: bad } as unknown as LoginProofInput;
      assert.throws(
        () => loginProof(input),
        (err: unknown) => (err as { code?: string }).code === ErrorCode.INTERNAL,
      );
      assert.equal(verifyLoginProof(input, LOGIN_PROOF), false);
    }
  });
});

describe('proof checks are constant-time comparisons that fail closed', () => {
  test('the right proof verifies; any single changed digit, another length or nothing does not', () => {
    assert.equal(verifyLoginProof(INPUT, LOGIN_PROOF), true);
    for (const index of [0, 17, 63]) assert.equal(verifyLoginProof(INPUT, flip(LOGIN_PROOF, index)), false);
    assert.equal(verifyLoginProof(INPUT, LOGIN_PROOF.slice(1)), false);
    assert.equal(verifyLoginProof(INPUT, `${LOGIN_PROOF}0`), false);
    assert.equal(verifyLoginProof(INPUT, LOGIN_PROOF.toUpperCase()), false);
    assert.equal(verifyLoginProof(INPUT, undefined), false);
    assert.equal(verifyLoginProof(INPUT, ''), false);
    // 64 characters but more bytes (multi-byte UTF-8): false, not a thrown length mismatch.
    assert.equal(verifyLoginProof(INPUT, 'é'.repeat(64)), false);
  });

  test('work-connection proofs verify only for their own sequence number', () => {
    assert.equal(verifyWorkConnProof(TOKEN, SERVER_NONCE, RUN_ID, 42, WORK_PROOF_42), true);
    assert.equal(verifyWorkConnProof(TOKEN, SERVER_NONCE, RUN_ID, 41, WORK_PROOF_42), false);
    assert.equal(verifyWorkConnProof(TOKEN, SERVER_NONCE, RUN_ID, 0, WORK_PROOF_42), false);
    assert.equal(verifyWorkConnProof(TOKEN, SERVER_NONCE, RUN_ID, 1.5, WORK_PROOF_1), false);
    assert.equal(verifyWorkConnProof(TOKEN, SERVER_NONCE, 'other', 1, WORK_PROOF_1), false);
  });

  test('secretEquals: equal only for identical text', () => {
    assert.equal(secretEquals(PRIVILEGE_KEY, PRIVILEGE_KEY), true);
    assert.equal(secretEquals(PRIVILEGE_KEY, flip(PRIVILEGE_KEY, 31)), false);
    assert.equal(secretEquals(PRIVILEGE_KEY, undefined), false);
    assert.equal(secretEquals(PRIVILEGE_KEY, PRIVILEGE_KEY.slice(0, 31)), false);
  });
});

describe('nonces and metas', () => {
  test('the server nonce round-trips as standard base64 of 32 bytes; anything else is a PROTOCOL error', () => {
    assert.equal(encodeServerNonce(SERVER_NONCE), SERVER_NONCE_TEXT);
    assert.deepEqual(decodeServerNonce(SERVER_NONCE_TEXT), SERVER_NONCE);
    const fresh = newServerNonce();
    assert.equal(fresh.length, 32);
    assert.notDeepEqual(fresh, newServerNonce());
    for (const bad of [
      '',
      'AAEC',
      SERVER_NONCE_TEXT.slice(0, -1),
      `${SERVER_NONCE_TEXT}=`,
      SERVER_NONCE_TEXT.replace('A', '-'),
    ]) {
      assert.throws(
        () => decodeServerNonce(bad),
        (err: unknown) => (err as { code?: string }).code === ErrorCode.PROTOCOL,
        bad,
      );
    }
  });

  test("LoginResp keeps burrow_nonce through the codec; frp's LoginResp stays byte-identical without it", () => {
    const resp = {
      type: 'LoginResp',
      body: { version: '0.70.0', run_id: RUN_ID, burrow_nonce: SERVER_NONCE_TEXT },
    } as const;
    assert.deepEqual(decodeMessage(encodeMessage(resp))?.message, resp);
    const plain = encodeMessage({ type: 'LoginResp', body: { version: '0.70.0', run_id: RUN_ID } });
    assert.equal(plain.subarray(9).toString('utf8'), `{"version":"0.70.0","run_id":"${RUN_ID}"}`);
  });

  test('the Login metas ask for the proof; stripped, unknown versions and bad client nonces are told apart', () => {
    const nonce = newClientNonce();
    assert.equal(Buffer.from(nonce, 'base64').length, 16);
    const metas = { user_meta: 'x', ...loginProofMetas(nonce) };
    assert.deepEqual(readLoginProofMetas(metas), { clientNonce: nonce });
    assert.equal(readLoginProofMetas(undefined), 'none');
    assert.equal(readLoginProofMetas({ user_meta: 'x' }), 'none');
    assert.equal(readLoginProofMetas({ ...metas, 'burrow.proof': '2' }), 'malformed');
    assert.equal(readLoginProofMetas({ 'burrow.proof': '1' }), 'malformed');
    assert.equal(readLoginProofMetas({ 'burrow.proof': '1', 'burrow.cnonce': 'short' }), 'malformed');
  });
});

describe('ExpiringSet', () => {
  test('remembers a key for its ttl, then forgets it', () => {
    const set = new ExpiringSet(10, 1000);
    set.add('a', 0);
    assert.equal(set.has('a', 999), true);
    assert.equal(set.has('a', 1000), false);
    assert.equal(set.size, 0);
  });

  test('forgets the oldest key beyond its capacity; adding again refreshes a key', () => {
    const set = new ExpiringSet(3, 1000);
    set.add('a', 0);
    set.add('b', 1);
    set.add('c', 2);
    set.add('a', 3); // refreshed: now the newest
    set.add('d', 4); // evicts b, the oldest
    assert.equal(set.has('b', 5), false);
    for (const key of ['a', 'c', 'd']) assert.equal(set.has(key, 5), true, key);
    assert.equal(set.size, 3);
    assert.equal(set.has('a', 1002), true); // its ttl counts from the refresh
  });

  test('stays within capacity under a flood of keys', () => {
    const set = new ExpiringSet(100, 60_000);
    for (let i = 0; i < 10_000; i += 1) set.add(`k${i}`, i);
    assert.equal(set.size, 100);
    assert.equal(set.has('k9999', 10_000), true);
    assert.equal(set.has('k0', 10_000), false);
  });

  test('refuses nonsense limits', () => {
    assert.throws(() => new ExpiringSet(0, 1), RangeError);
    assert.throws(() => new ExpiringSet(1, 0), RangeError);
  });
});

describe('SequenceWindow', () => {
  test('accepts each sequence number once, out of order within the window', () => {
    const window = new SequenceWindow(4);
    for (const seq of [1, 3, 2, 5]) assert.equal(window.accept(seq), true, String(seq));
    for (const seq of [1, 3, 5]) assert.equal(window.accept(seq), false, `repeat ${seq}`);
    assert.equal(window.accept(4), true);
    assert.equal(window.accept(0), false);
    assert.equal(window.accept(-1), false);
    assert.equal(window.accept(2.5), false);
  });

  test('refuses numbers that fell out of the window, and its memory stays bounded', () => {
    const window = new SequenceWindow(8);
    for (let seq = 1; seq <= 1000; seq += 1) assert.equal(window.accept(seq), true);
    assert.equal(window.accept(992), false); // 1000 - 8: too old
    assert.equal(window.accept(993), false); // in the window but used
    assert.equal(window.accept(1005), true);
    assert.ok((window as unknown as { seen: Set<number> }).seen.size <= 16);
  });
});

/** A genuine burrow Login at `nowMs`, as the client builds it. */
function burrowLogin(nowMs: number, overrides: Partial<Login> = {}): Login {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    version: '0.70.0',
    privilege_key: privilegeKey(TOKEN, timestamp),
    timestamp,
    metas: loginProofMetas(newClientNonce()),
    ...overrides,
  };
}

/** `login` as an attacker would send it with the proof metas removed. */
function stripped(login: Login): Login {
  const { metas: _metas, ...rest } = login;
  return rest;
}

/** Checks a burrow Login, starts its session and settles its proof; returns the verdict's kind. */
function prove(guard: LoginProofGuard, login: Login, nowMs: number, proven = true): string {
  const verdict = guard.check(login, { mode: 'auto', nowMs, runIdProvenLive: false });
  if (verdict.kind === 'proof') {
    guard.admit(verdict.attempt);
    guard.settle(verdict.attempt, proven, nowMs);
  }
  return verdict.kind;
}

describe('LoginProofGuard (auth.loginProof)', () => {
  const NOW = 1_700_000_000_000;
  const auto = { mode: 'auto', nowMs: NOW, runIdProvenLive: false } as const;
  const WINDOW_SEC = LOGIN_REPLAY_MEMORY_MS / 1000;

  test('auto: a burrow Login must prove; an frp Login logs in as with frps, its key repeated or not', () => {
    const guard = new LoginProofGuard();
    const login = burrowLogin(NOW);
    const verdict = guard.check(login, auto);
    assert.equal(verdict.kind, 'proof');
    assert.equal(verdict.kind === 'proof' ? verdict.clientNonce : '', login.metas?.['burrow.cnonce']);
    const frpLogin = { version: '0.70.0', privilege_key: privilegeKey(TOKEN, TIMESTAMP), timestamp: TIMESTAMP };
    const near = { ...auto, nowMs: (TIMESTAMP + 10) * 1000 };
    assert.deepEqual(guard.check(frpLogin, near), { kind: 'plain' });
    // frp clients may repeat a key (fast retries in the same second): not a replay for them.
    assert.deepEqual(guard.check(frpLogin, near), { kind: 'plain' });
  });

  test('auto: an frp Login further than the memory period from the server clock is refused, and the text says frpc sends the current time', () => {
    const guard = new LoginProofGuard();
    assert.equal(guard.plainWindowSec, WINDOW_SEC);
    const frpLogin = (timestamp: number): Login => ({
      version: '0.70.0',
      privilege_key: privilegeKey(TOKEN, timestamp),
      timestamp,
    });
    const nowSec = NOW / 1000;
    for (const timestamp of [nowSec - WINDOW_SEC, nowSec + WINDOW_SEC])
      assert.equal(guard.check(frpLogin(timestamp), auto).kind, 'plain', String(timestamp));
    for (const timestamp of [nowSec - WINDOW_SEC - 1, nowSec + WINDOW_SEC + 1, 1_600_000_000]) {
      const verdict = guard.check(frpLogin(timestamp), auto);
      const skew = Math.abs(nowSec - timestamp);
      assert.deepEqual(verdict, {
        kind: 'refuse',
        reason: LoginProofRefusal.plainClockSkew(skew, WINDOW_SEC),
        metric: LoginProofFailure.clockSkew,
      });
    }
    assert.match(
      LoginProofRefusal.plainClockSkew(90_000, WINDOW_SEC),
      /90000 s away .*more than 86400 s allowed.*frpc always sends the current time/,
    );
    // A Login without any timestamp is as far as can be.
    assert.equal(guard.check({ version: '0.70.0', privilege_key: privilegeKey(TOKEN, 0) }, auto).kind, 'refuse');
  });

  test('require: an frp Login is refused with a text that names frpc', () => {
    const guard = new LoginProofGuard();
    const verdict = guard.check({ privilege_key: PRIVILEGE_KEY, timestamp: TIMESTAMP }, { ...auto, mode: 'require' });
    assert.deepEqual(verdict, {
      kind: 'refuse',
      reason: LoginProofRefusal.required,
      metric: LoginProofFailure.required,
    });
    assert.match(LoginProofRefusal.required, /frp clients \(frpc\) cannot/);
    assert.equal(guard.check(burrowLogin(NOW), { ...auto, mode: 'require' }).kind, 'proof');
  });

  test('a proven burrow Login sent again is refused, verbatim or stripped of its metas; two clients in the same second are not', () => {
    const guard = new LoginProofGuard();
    const login = burrowLogin(NOW, { hostname: 'edge' });
    assert.equal(prove(guard, login, NOW), 'proof');
    assert.deepEqual(guard.check(login, { ...auto, nowMs: NOW + 1000 }), {
      kind: 'refuse',
      reason: LoginProofRefusal.replayed,
      metric: LoginProofFailure.replayed,
    });
    assert.deepEqual(guard.check(stripped(login), { ...auto, nowMs: NOW + 1000 }), {
      kind: 'refuse',
      reason: LoginProofRefusal.stripped,
      metric: LoginProofFailure.replayed,
    });
    // Another client with the same token, same second: same privilege key, its own client nonce.
    assert.equal(guard.check(burrowLogin(NOW, { hostname: 'edge' }), auto).kind, 'proof');
  });

  test('an frpc logging in during the same second as a burrow client with the same token is an frp client, not a replay', () => {
    const guard = new LoginProofGuard();
    const burrow = burrowLogin(NOW, { hostname: 'burrow-host', os: 'linux', arch: 'amd64', pool_count: 1 });
    assert.equal(prove(guard, burrow, NOW), 'proof');
    const frpc: Login = {
      version: '0.70.0',
      hostname: 'frpc-host',
      os: 'linux',
      arch: 'amd64',
      privilege_key: burrow.privilege_key,
      timestamp: burrow.timestamp,
      run_id: '',
      pool_count: 1,
    };
    assert.equal(frpc.privilege_key, burrow.privilege_key);
    assert.deepEqual(guard.check(frpc, auto), { kind: 'plain' });
    // Only a real copy with the metas stripped is refused.
    assert.equal(guard.check(stripped(burrow), auto).kind, 'refuse');
  });

  test('while a burrow Login waits for its proof its copies are refused; an unproven one is forgotten, a proven one remembered', () => {
    const guard = new LoginProofGuard();
    const login = burrowLogin(NOW);
    const verdict = guard.check(login, auto);
    assert.ok(verdict.kind === 'proof');
    guard.admit(verdict.attempt);
    assert.equal(guard.pendingCount, 1);
    assert.equal(guard.check(login, auto).kind, 'refuse');
    assert.equal(guard.check(stripped(login), auto).kind, 'refuse');
    guard.settle(verdict.attempt, false, NOW);
    assert.equal(guard.pendingCount, 0);
    // Never proven: a copy would have to answer a new nonce (burrow) or is an ordinary frp login.
    assert.equal(guard.check(login, auto).kind, 'proof');
    assert.equal(guard.check(stripped(login), auto).kind, 'plain');
    // Settling twice changes nothing.
    guard.settle(verdict.attempt, true, NOW);
    assert.equal(guard.check(stripped(login), auto).kind, 'plain');
  });

  test('Logins that never prove cannot flood the memory and evict a proven one', () => {
    const guard = new LoginProofGuard(2, 60_000);
    const genuine = burrowLogin(NOW, { hostname: 'genuine' });
    assert.equal(prove(guard, genuine, NOW), 'proof');
    // Variants of a captured Login (changed fields, new client nonces): they cannot answer the nonce.
    for (let i = 0; i < 50; i += 1)
      assert.equal(
        prove(guard, { ...genuine, hostname: `variant-${i}`, metas: loginProofMetas(newClientNonce()) }, NOW, false),
        'proof',
      );
    assert.equal(guard.check(stripped(genuine), auto).kind, 'refuse');
  });

  test('a burrow Login outside the time window is refused and names the skew', () => {
    const guard = new LoginProofGuard();
    const edge = burrowLogin(NOW - LOGIN_PROOF_WINDOW_SEC * 1000);
    assert.equal(guard.check(edge, auto).kind, 'proof');
    for (const offsetSec of [-(LOGIN_PROOF_WINDOW_SEC + 2), LOGIN_PROOF_WINDOW_SEC + 2]) {
      const verdict = guard.check(burrowLogin(NOW + offsetSec * 1000), auto);
      assert.equal(verdict.kind, 'refuse');
      assert.equal(verdict.kind === 'refuse' ? verdict.metric : '', LoginProofFailure.clockSkew);
      assert.match(verdict.kind === 'refuse' ? verdict.reason : '', new RegExp(`${LOGIN_PROOF_WINDOW_SEC + 2} s away`));
    }
  });

  test('malformed proof metas are refused', () => {
    const guard = new LoginProofGuard();
    const verdict = guard.check(burrowLogin(NOW, { metas: { 'burrow.proof': '1' } }), auto);
    assert.deepEqual(verdict, {
      kind: 'refuse',
      reason: LoginProofRefusal.malformed,
      metric: LoginProofFailure.malformed,
    });
  });

  test('an unproven Login cannot take over the run_id of a proven session, live or remembered', () => {
    const guard = new LoginProofGuard();
    const frpLogin = { privilege_key: PRIVILEGE_KEY, timestamp: TIMESTAMP, run_id: RUN_ID };
    const then = { ...auto, nowMs: TIMESTAMP * 1000 };
    assert.equal(guard.check(frpLogin, { ...then, runIdProvenLive: true }).kind, 'refuse');
    assert.equal(guard.check(frpLogin, then).kind, 'plain');
    guard.noteProven(RUN_ID, TIMESTAMP * 1000);
    const verdict = guard.check(frpLogin, then);
    assert.deepEqual(verdict, {
      kind: 'refuse',
      reason: LoginProofRefusal.takeover(RUN_ID),
      metric: LoginProofFailure.replayed,
    });
    // A burrow Login (which must prove) may reconnect with it.
    assert.equal(guard.check(burrowLogin(TIMESTAMP * 1000, { run_id: RUN_ID }), then).kind, 'proof');
  });

  test('the memory is bounded in time and size, and a stripped copy never falls between memory and time window', () => {
    const TTL_MS = 60_000;
    const guard = new LoginProofGuard(2, TTL_MS);
    // The client clock is as far ahead as a burrow Login may be: its stripped copy must stay refused.
    const ahead = burrowLogin(NOW + LOGIN_PROOF_WINDOW_SEC * 1000);
    assert.equal(prove(guard, ahead, NOW), 'proof');
    const kinds = new Set<string>();
    for (let t = 0; t <= TTL_MS / 1000 + 2 * LOGIN_PROOF_WINDOW_SEC + 5; t += 1) {
      const verdict = guard.check(stripped(ahead), { ...auto, nowMs: NOW + t * 1000 });
      assert.equal(verdict.kind, 'refuse', `at +${t} s`);
      kinds.add(verdict.kind === 'refuse' ? verdict.metric : '');
    }
    assert.deepEqual([...kinds].sort(), [LoginProofFailure.clockSkew, LoginProofFailure.replayed].sort());
    // Capacity 2: the oldest proven Login is forgotten first.
    const a = burrowLogin(NOW + 1000);
    const b = burrowLogin(NOW + 2000);
    const c = burrowLogin(NOW + 3000);
    for (const login of [a, b, c]) assert.equal(prove(guard, login, NOW + 3000), 'proof');
    assert.equal(guard.check(stripped(a), { ...auto, nowMs: NOW + 3000 }).kind, 'plain'); // evicted (capacity 2)
    assert.equal(guard.check(stripped(c), { ...auto, nowMs: NOW + 3000 }).kind, 'refuse');
  });
});

describe('run_id ownership across client certificates', () => {
  const ALICE = `sha256:${'a'.repeat(64)}`;
  const BOB = `sha256:${'b'.repeat(64)}`;

  test('a live session is replaced only from the same client certificate, or with none on either side (frp)', () => {
    assert.equal(mayReplaceSession(undefined, undefined), true);
    assert.equal(mayReplaceSession(ALICE, ALICE), true);
    assert.equal(mayReplaceSession(ALICE, BOB), false);
    assert.equal(mayReplaceSession(ALICE, undefined), false);
    assert.equal(mayReplaceSession(undefined, BOB), false);
  });

  test('the refusal names the run id and the reason', () => {
    assert.match(
      LoginProofRefusal.otherIdentity(RUN_ID),
      /run id \[0123456789abcdef\] belongs to a live session of another TLS client identity/,
    );
    assert.equal(LoginProofFailure.otherIdentity, 'run_id_other_identity');
  });
});
