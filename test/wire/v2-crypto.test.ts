// Known-answer and behaviour tests of the v2 key schedule and AEAD stream (expected values computed independently with Python).
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import {
  AEAD_MAX_PLAINTEXT,
  createAeadStream,
  createRecordAead,
  deriveControlKeys,
  hkdfInfo,
  incrementNonce,
  transcriptHash,
  type AeadAlgorithm,
} from '../../src/wire/index.js';
import { xorByte } from './bytes.js';

// Expected values below were computed with Python's hashlib/hmac (SHA-256, HKDF by hand) and the
// `cryptography` package (AESGCM; XChaCha20-Poly1305 = a pure-Python HChaCha20 + its ChaCha20Poly1305),
// independently of this code base. The Python HChaCha20 reproduces draft-irtf-cfrg-xchacha-03 §A.3.1.
const KAT_TOKEN = 'kat-token';
const KAT_CH =
  '{"bootstrap":{"transport":"tcp","tls":true,"tcpMux":true},"capabilities":{"message":{"codecs":["json"]},' +
  '"crypto":{"algorithms":["aes-256-gcm","xchacha20-poly1305"],"clientRandom":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}}}';
const katSh = (alg: string): string =>
  `{"selected":{"message":{"codec":"json"},"crypto":{"algorithm":"${alg}","serverRandom":"oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8="}}}`;
/** The records' plaintexts: a Ping frame, "hello", and an empty record. */
const KAT_PLAINTEXTS = [Buffer.from('0010000000000004000b7b7d', 'hex'), Buffer.from('hello'), Buffer.alloc(0)];

interface Kat {
  transcript: string;
  c2s: string;
  s2c: string;
  nonce: string;
  /** nonce ‖ three records sealed with the c2s key. */
  stream: string;
}
const KAT: Record<AeadAlgorithm, Kat> = {
  'aes-256-gcm': {
    transcript: '76f660bd0197b8689d7a3cc345926a478ce7b99b9921d7da9d26d47b505b318b',
    c2s: '86e04d9c43228246f9ce810d56bcafb5dc7acd1780d3390c3a6c826a99f3566c',
    s2c: '71cc514446eaeb9320a22060b9b5c2768c741264e067ea5f7b5738a489d170ee',
    nonce: '0102030405060708090afffe',
    stream:
      '0102030405060708090afffe0000001c500ddd932f8bd06c2b9a2f08f284bfa4718897d949875c52b17f6a6300000015b1a7c03cc28ebb05cb' +
      '3662ddee19e04fc37ede9298000000105824538ebcc933485758a8e1b64fe880',
  },
  'xchacha20-poly1305': {
    transcript: '3d52149f5b6fd40559ec015862c5168b1db5c51a41edc6948a79c6f14ed12c1e',
    c2s: 'c5505a697ce4ccb33b94aecaf698f982482eb46a6e51e1ea98ff49fd8e5ed900',
    s2c: '6ccefe7e1cd51c95608bc645176c8e9cb92860296bfed1b9cbc23cd4e9a79389',
    nonce: '0102030405060708090a0b0c0d0e0f10111213141516fffe',
    stream:
      '0102030405060708090a0b0c0d0e0f10111213141516fffe0000001ce6d3e39c9235a448eacf163b458031369d2eaf835ebd749f6855887a' +
      '00000015b5abd2d2e7da49cb2318ab713ee0e4978f5291081f00000010ef0fb893dd12f8bac79ff9c930aedd4f',
  },
};
const ALGORITHMS: AeadAlgorithm[] = ['aes-256-gcm', 'xchacha20-poly1305'];

/** A Duplex that records what is written to it; its readable side holds `input` (ended unless `open`). */
function sink(input: Buffer = Buffer.alloc(0), open = false): Duplex & { written: Buffer[] } {
  const written: Buffer[] = [];
  const d = new Duplex({
    read() {},
    write(c: Buffer, _e, cb) {
      written.push(c);
      cb();
    },
  }) as Duplex & { written: Buffer[] };
  d.written = written;
  if (input.length > 0) d.push(input);
  if (!open) d.push(null);
  return d;
}

/** Two in-memory Duplexes wired to each other (what one writes, the other reads; end → EOF). */
function pair(): [Duplex, Duplex] {
  const mk = (peer: () => Duplex): Duplex =>
    new Duplex({
      read() {},
      write(c, _e, cb) {
        peer().push(c);
        cb();
      },
      final(cb) {
        peer().push(null);
        cb();
      },
    });
  const a: Duplex = mk(() => b);
  const b: Duplex = mk(() => a);
  return [a, b];
}

async function readAll(s: Duplex): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

function keysOf(alg: AeadAlgorithm) {
  return {
    c2s: Buffer.from(KAT[alg].c2s, 'hex'),
    s2c: Buffer.from(KAT[alg].s2c, 'hex'),
    nonce: Buffer.from(KAT[alg].nonce, 'hex'),
  };
}

const fails = (code: string, re: RegExp) => (e: unknown) => isBurrowError(e) && e.code === code && re.test(e.message);

describe('key schedule (known answers)', () => {
  for (const alg of ALGORITHMS) {
    test(`${alg}: transcript hash and both direction keys`, () => {
      const th = transcriptHash(Buffer.from(KAT_CH), Buffer.from(katSh(alg)));
      assert.equal(th.toString('hex'), KAT[alg].transcript);
      const keys = deriveControlKeys(KAT_TOKEN, alg, th);
      assert.equal(keys.clientToServer.toString('hex'), KAT[alg].c2s);
      assert.equal(keys.serverToClient.toString('hex'), KAT[alg].s2c);
      assert.deepEqual(deriveControlKeys(Buffer.from(KAT_TOKEN), alg, th), keys);
    });
  }

  test('HKDF info strings', () => {
    assert.equal(hkdfInfo('aes-256-gcm', 'client-to-server'), 'frp wire v2 control aead aes-256-gcm client-to-server');
    assert.equal(
      hkdfInfo('xchacha20-poly1305', 'server-to-client'),
      'frp wire v2 control aead xchacha20-poly1305 server-to-client',
    );
  });

  test('the transcript binds the exact bytes: one changed byte changes the hash', () => {
    const a = transcriptHash(Buffer.from(KAT_CH), Buffer.from(katSh('aes-256-gcm')));
    const b = transcriptHash(Buffer.from(KAT_CH.replace('"tls":true,', '')), Buffer.from(katSh('aes-256-gcm')));
    assert.notDeepEqual(a, b);
  });
});

describe('record AEAD', () => {
  test('XChaCha20-Poly1305: draft-irtf-cfrg-xchacha-03 §A.3.1', () => {
    const aead = createRecordAead(
      'xchacha20-poly1305',
      Buffer.from('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f', 'hex'),
    );
    const nonce = Buffer.from('404142434445464748494a4b4c4d4e4f5051525354555657', 'hex');
    const aad = Buffer.from('50515253c0c1c2c3c4c5c6c7', 'hex');
    const pt = Buffer.from(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const sealed = aead.seal(nonce, pt, aad);
    assert.equal(
      sealed.toString('hex'),
      'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e' +
        'c0875924c1c7987947deafd8780acf49',
    );
    assert.deepEqual(aead.open(nonce, sealed, aad), pt);
    xorByte(sealed, 0, 1);
    assert.equal(aead.open(nonce, sealed, aad), null);
  });

  test('nonce increment is big-endian over the whole nonce and reports a wrap', () => {
    const n = Buffer.from('00ffff', 'hex');
    assert.equal(incrementNonce(n), true);
    assert.equal(n.toString('hex'), '010000');
    const last = Buffer.from('ffff', 'hex');
    assert.equal(incrementNonce(last), false);
    assert.equal(last.toString('hex'), '0000');
  });

  test('a key of the wrong size is refused', () => {
    assert.throws(
      () => createRecordAead('aes-256-gcm', Buffer.alloc(16)),
      (e) => isBurrowError(e, ErrorCode.INTERNAL),
    );
  });
});

describe('AEAD stream (known answers)', () => {
  for (const alg of ALGORITHMS) {
    test(`${alg}: the writer emits nonce ‖ records exactly, one inner write per record`, async () => {
      const { c2s, s2c, nonce } = keysOf(alg);
      const inner = sink(Buffer.alloc(0), true);
      const enc = createAeadStream(inner, { algorithm: alg, sendKey: c2s, recvKey: s2c, sendNonce: nonce });
      enc.write(KAT_PLAINTEXTS[0]);
      enc.write(KAT_PLAINTEXTS[1]);
      enc.write(Buffer.alloc(0)); // an empty write makes no record
      await new Promise((r) => setImmediate(r));
      const expected = Buffer.from(KAT[alg].stream, 'hex');
      const twoRecords = expected.subarray(0, expected.length - 4 - 16);
      assert.equal(inner.written.length, 2);
      assert.equal(Buffer.concat(inner.written).toString('hex'), twoRecords.toString('hex'));
      enc.destroy();
    });

    test(`${alg}: the reader decrypts the three records (one empty) and ends cleanly, whole or byte by byte`, async () => {
      const { c2s, s2c } = keysOf(alg);
      const bytes = Buffer.from(KAT[alg].stream, 'hex');
      const dec = createAeadStream(sink(bytes), { algorithm: alg, sendKey: s2c, recvKey: c2s });
      assert.deepEqual(await readAll(dec), Buffer.concat(KAT_PLAINTEXTS));

      const slow = sink(Buffer.alloc(0), true);
      const dec2 = createAeadStream(slow, { algorithm: alg, sendKey: s2c, recvKey: c2s });
      const done = readAll(dec2);
      for (const byte of bytes) slow.push(Buffer.from([byte]));
      slow.push(null);
      assert.deepEqual(await done, Buffer.concat(KAT_PLAINTEXTS));
    });
  }
});

describe('AEAD stream behaviour', () => {
  const alg: AeadAlgorithm = 'aes-256-gcm';
  const { c2s, s2c, nonce } = keysOf(alg);
  const kat = Buffer.from(KAT[alg].stream, 'hex');
  const NONCE = nonce.length;

  /** Read `bytes` as the c2s direction and return the error the stream fails with. */
  async function readError(bytes: Buffer): Promise<unknown> {
    const dec = createAeadStream(sink(bytes), { algorithm: alg, sendKey: s2c, recvKey: c2s });
    return readAll(dec).then(
      () => assert.fail('expected the stream to fail'),
      (e: unknown) => e,
    );
  }

  test('a record length below 16 is refused', async () => {
    const bytes = Buffer.concat([nonce, Buffer.from('0000000f', 'hex'), Buffer.alloc(15)]);
    assert.ok(fails(ErrorCode.PROTOCOL, /record 0: length 15 is smaller than the 16-byte tag/)(await readError(bytes)));
  });

  test('a record length above 65552 is refused before its body arrives', async () => {
    const bytes = Buffer.concat([nonce, Buffer.from('00010011', 'hex')]);
    assert.ok(fails(ErrorCode.PROTOCOL, /record 0: length 65553 exceeds the limit of 65552/)(await readError(bytes)));
  });

  test('a tag that does not verify: altered byte, reordered records, wrong key', async () => {
    const altered = Buffer.from(kat);
    xorByte(altered, NONCE + 4 + 3, 0x40);
    assert.ok(
      fails(ErrorCode.PROTOCOL, /record 0: aes-256-gcm authentication tag does not verify/)(await readError(altered)),
    );

    const first = kat.subarray(NONCE, NONCE + 4 + 28);
    const second = kat.subarray(NONCE + 4 + 28, NONCE + 4 + 28 + 4 + 21);
    assert.ok(
      fails(ErrorCode.PROTOCOL, /record 0: .*does not verify/)(await readError(Buffer.concat([nonce, second, first]))),
    );

    const wrongKey = createAeadStream(sink(kat), { algorithm: alg, sendKey: s2c, recvKey: s2c });
    await assert.rejects(readAll(wrongKey), fails(ErrorCode.PROTOCOL, /does not verify/));
  });

  test('EOF inside a record or inside the nonce is UNEXPECTED_EOF; right after the nonce it is a clean end', async () => {
    assert.ok(
      fails(ErrorCode.UNEXPECTED_EOF, /inside the record 1/)(await readError(kat.subarray(0, NONCE + 32 + 10))),
    );
    assert.ok(fails(ErrorCode.UNEXPECTED_EOF, /inside the record 0/)(await readError(kat.subarray(0, NONCE + 2))));
    assert.ok(fails(ErrorCode.UNEXPECTED_EOF, /inside the stream nonce/)(await readError(kat.subarray(0, 5))));
    const empty = createAeadStream(sink(nonce), { algorithm: alg, sendKey: s2c, recvKey: c2s });
    assert.equal((await readAll(empty)).length, 0);
  });

  for (const a of ALGORITHMS) {
    test(`${a}: a write over 64 KiB is split into records of at most 65536 bytes and round-trips`, async () => {
      const [left, right] = pair();
      const keys = { c: Buffer.alloc(32, 1), s: Buffer.alloc(32, 2) };
      const client = createAeadStream(left, { algorithm: a, sendKey: keys.c, recvKey: keys.s });
      const server = createAeadStream(right, { algorithm: a, sendKey: keys.s, recvKey: keys.c });
      const lengths: number[] = [];
      const size = a === 'aes-256-gcm' ? 12 : 24;
      let seen = Buffer.alloc(0);
      left.on('data', () => {}); // left's readable gets the server's bytes; ignore
      const payload = Buffer.alloc(2 * AEAD_MAX_PLAINTEXT + 1234);
      for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
      const origWrite = right.push.bind(right);
      right.push = (chunk: Buffer | null) => {
        if (chunk !== null) seen = Buffer.concat([seen, chunk]);
        return origWrite(chunk);
      };
      client.end(payload);
      const got = await readAll(server);
      assert.deepEqual(got, payload);
      for (let pos = size; pos < seen.length;) {
        const len = seen.readUInt32BE(pos);
        lengths.push(len);
        pos += 4 + len;
      }
      assert.deepEqual(lengths, [AEAD_MAX_PLAINTEXT + 16, AEAD_MAX_PLAINTEXT + 16, 1234 + 16]);
      server.destroy();
      client.destroy();
    });
  }

  test('destroy propagates both ways, inner errors surface on the AEAD stream', async () => {
    const inner = sink(Buffer.alloc(0), true);
    const enc = createAeadStream(inner, { algorithm: alg, sendKey: c2s, recvKey: s2c });
    enc.destroy();
    await new Promise((r) => setImmediate(r));
    assert.equal(inner.destroyed, true);

    const inner2 = sink(Buffer.alloc(0), true);
    const enc2 = createAeadStream(inner2, { algorithm: alg, sendKey: c2s, recvKey: s2c });
    const failed = new Promise<unknown>((resolve) => enc2.on('error', resolve));
    inner2.destroy(new Error('boom'));
    assert.equal(((await failed) as Error).message, 'boom');
  });

  test('end() on the AEAD stream ends the inner stream', async () => {
    const [left, right] = pair();
    const client = createAeadStream(left, { algorithm: alg, sendKey: c2s, recvKey: s2c });
    const server = createAeadStream(right, { algorithm: alg, sendKey: s2c, recvKey: c2s });
    client.end(Buffer.from('bye'));
    assert.equal((await readAll(server)).toString(), 'bye');
    server.destroy();
    client.destroy();
  });
});
