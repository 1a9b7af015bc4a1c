// The token text form and the token store: single use (also under concurrency, spent before issuing), expiry, forgery, identity binding, hash only on disk, 0600.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { generateToken, parseToken, secretMatches, hashSecret, checkIdentity } from '../../src/enroll/token.js';
import { cancelTokens, consumeToken, createToken, readTokens, TokenRefusal } from '../../src/enroll/token-store.js';
import { noAllowances } from '../../src/enroll/allowances.js';
import { isBurrowError, ErrorCode } from '../../src/errors.js';
import { removeDir, tempDir } from './fixtures.js';

const MINUTE = 60_000;

describe('token text', () => {
  it('round-trips identity, id and secret, and checks the secret against its hash in constant time', () => {
    const t = generateToken('alice@example.com');
    assert.match(t.text, /^brw1\.[A-Za-z0-9_-]+\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    const parsed = parseToken(t.text);
    assert.equal(parsed.identity, 'alice@example.com');
    assert.equal(parsed.id, t.id);
    assert.equal(hashSecret(parsed.secret), t.hash);
    assert.equal(secretMatches(parsed.secret, t.hash), true);
    assert.equal(secretMatches(Buffer.alloc(32), t.hash), false);
    assert.equal(secretMatches(parsed.secret, 'abcd'), false, 'a malformed stored hash never matches');
  });

  it('refuses malformed tokens with a reason and never echoes the secret', () => {
    const good = generateToken('alice').text;
    const secret = good.split('.')[3]!;
    const cases: [string, RegExp][] = [
      ['', /does not start with "brw1\."/],
      ['brw2.YWxpY2U.0011223344556677.' + secret, /does not start/],
      [good + '.x', /5 dot-separated parts/],
      [good.replace(/\.[0-9a-f]{16}\./, '.XYZ.'), /id part is not hex/],
      [good.slice(0, -2), /secret is not 32 bytes/],
      [
        'brw1.' + Buffer.from('sha256:ab').toString('base64url') + '.0011223344556677.' + secret,
        /looks like a fingerprint/,
      ],
      ['x'.repeat(300), /longer than 256/],
    ];
    for (const [text, re] of cases) {
      assert.throws(
        () => parseToken(text),
        (err: unknown) => {
          assert.ok(isBurrowError(err, ErrorCode.AUTH));
          assert.match(err.message, re);
          assert.ok(!err.message.includes(secret), 'the secret is not in the message');
          return true;
        },
      );
    }
  });

  it('checks identities: printable, no quotes, bounded, not a fingerprint', () => {
    assert.equal(checkIdentity('Alice Smith'), 'Alice Smith');
    assert.equal(checkIdentity('spiffe://example.org/agent'), 'spiffe://example.org/agent');
    for (const bad of ['', ' alice', 'a"b', 'a\\b', 'x'.repeat(65), 'tab\there', 'sha256:abc', 'é']) {
      assert.throws(
        () => checkIdentity(bad),
        (err: unknown) => isBurrowError(err, ErrorCode.USAGE),
        bad,
      );
    }
  });
});

describe('token store', () => {
  let dir: string;
  before(() => {
    dir = tempDir();
  });
  after(() => removeDir(dir));

  const create = (file: string, identity: string, ttlMs = 15 * MINUTE, now?: number): ReturnType<typeof createToken> =>
    createToken(file, {
      identity,
      ttlMs,
      ...noAllowances(),
      allowProxies: ['web-*'],
      ...(now !== undefined ? { now } : {}),
    });

  it('stores only the hash, mode 0600', async () => {
    const file = join(dir, 'hash-only.json');
    const { text, record } = await create(file, 'alice');
    const onDisk = readFileSync(file, 'utf8');
    const secret = parseToken(text).secret;
    assert.ok(!onDisk.includes(text.split('.')[3]!), 'no base64url secret on disk');
    assert.ok(!onDisk.includes(secret.toString('hex')), 'no hex secret on disk');
    assert.ok(onDisk.includes(record.hash), 'the hash is there');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual((await readTokens(file)).tokens[0]!.allowProxies, ['web-*']);
  });

  it('is single use: the second attempt is refused and says when it was used', async () => {
    const file = join(dir, 'single.json');
    const { text } = await create(file, 'alice');
    const token = parseToken(text);
    assert.equal(await consumeToken(file, token, '10.0.0.1:5', async (r) => r.identity), 'alice');
    await assert.rejects(
      consumeToken(file, token, '10.0.0.2:5', async () => 'again'),
      (err: unknown) => {
        assert.ok(err instanceof TokenRefusal);
        assert.match(err.message, /was already used \(at .*\); tokens are single use/);
        return true;
      },
    );
    const stored = (await readTokens(file)).tokens[0]!;
    assert.equal(stored.usedBy, '10.0.0.1:5');
  });

  it('lets exactly one of many concurrent attempts use a token', async () => {
    const file = join(dir, 'concurrent.json');
    const token = parseToken((await create(file, 'alice')).text);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => consumeToken(file, token, `10.0.0.${i}:1`, async () => i)),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.equal(results.filter((r) => r.status === 'rejected' && r.reason instanceof TokenRefusal).length, 7);
  });

  it('refuses an expired token', async () => {
    const file = join(dir, 'expired.json');
    const now = Date.now();
    const token = parseToken((await create(file, 'alice', MINUTE, now)).text);
    await assert.rejects(
      consumeToken(file, token, 'x', async () => 1, now + MINUTE + 1),
      /expired at /,
    );
  });

  it('refuses a forged secret, an unknown id and a changed identity', async () => {
    const file = join(dir, 'forged.json');
    const token = parseToken((await create(file, 'alice')).text);
    await assert.rejects(
      consumeToken(file, { ...token, secret: Buffer.alloc(32, 7) }, 'x', async () => 1),
      /is forged: its secret does not match/,
    );
    await assert.rejects(
      consumeToken(file, { ...token, id: '0123456789abcdef' }, 'x', async () => 1),
      /unknown enrollment token 0123456789abcdef/,
    );
    await assert.rejects(
      consumeToken(file, { ...token, identity: 'mallory' }, 'x', async () => 1),
      /is bound to identity "alice", not "mallory"/,
    );
    // None of these used it up.
    assert.equal(await consumeToken(file, token, 'x', async () => 'ok'), 'ok');
  });

  it('makes the token usable again, its record as it was, when the use fails', async () => {
    const file = join(dir, 'use-fails.json');
    const token = parseToken((await create(file, 'alice')).text);
    const before = await readTokens(file);
    await assert.rejects(
      consumeToken(file, token, 'x', async () => {
        throw new Error('CSR refused');
      }),
      /CSR refused/,
    );
    assert.deepEqual(await readTokens(file), before);
    assert.equal(await consumeToken(file, token, 'x', async () => 'ok'), 'ok');
  });

  it('records the token as used on disk before the use runs (a crash while issuing leaves it spent)', async () => {
    const file = join(dir, 'used-first.json');
    const token = parseToken((await create(file, 'alice')).text);
    const seen = await consumeToken(file, token, '10.0.0.9:1', async () => (await readTokens(file)).tokens[0]!);
    assert.ok(seen.usedAt, 'usedAt is on disk while the certificate is issued');
    assert.equal(seen.usedBy, '10.0.0.9:1');
  });

  it('keeps the token spent, and says so, when it cannot be made usable again after a failed use', async () => {
    const file = join(dir, 'no-restore.json');
    const token = parseToken((await create(file, 'alice')).text);
    await assert.rejects(
      consumeToken(file, token, 'x', async () => {
        // The store cannot be rewritten any more: its name is now a directory.
        rmSync(file);
        mkdirSync(file);
        throw new Error('CSR refused');
      }),
      (err: unknown) => {
        assert.ok(isBurrowError(err, ErrorCode.PKI), String(err));
        assert.match(
          err.message,
          /^CSR refused; enrollment token [0-9a-f]{16} stays spent, as .*no-restore\.json cannot be rewritten: /,
        );
        return true;
      },
    );
  });

  it('cancels the unused tokens of an identity', async () => {
    const file = join(dir, 'cancel.json');
    const a = parseToken((await create(file, 'alice')).text);
    const b = parseToken((await create(file, 'bob')).text);
    assert.equal(await cancelTokens(file, 'alice'), 1);
    await assert.rejects(
      consumeToken(file, a, 'x', async () => 1),
      /was cancelled at .* \(identity "alice" was revoked\)/,
    );
    assert.equal(await consumeToken(file, b, 'x', async () => 'bob ok'), 'bob ok');
  });

  it('refuses a lifetime beyond a week and an invalid identity', async () => {
    const file = join(dir, 'limits.json');
    await assert.rejects(create(file, 'alice', 8 * 24 * 60 * MINUTE), (err: unknown) =>
      isBurrowError(err, ErrorCode.USAGE),
    );
    await assert.rejects(create(file, 'a"b'), (err: unknown) => isBurrowError(err, ErrorCode.USAGE));
  });
});
