// Short CI fuzz pass over the wire layer (v1 codec, v2 frames and hellos, CFB cipher, AEAD stream, snappy): corpus, seeds, mutations, generated inputs.
import { fuzzTests } from './lib/property.js';
import { wireCodecTarget, wireV2Target, cipherTarget, aeadStreamTarget, snappyTarget } from './targets/index.js';

for (const target of [wireCodecTarget, wireV2Target, cipherTarget, aeadStreamTarget, snappyTarget]) fuzzTests(target);
