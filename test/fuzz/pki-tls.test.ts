// Short CI fuzz pass over certificate and CA-data parsing, fingerprints and the TLS first-byte sniffer: corpus, seeds, mutations, generated inputs.
import { fuzzTests } from './lib/property.js';
import { pkiCertTarget, pkiTextTarget, tlsSniffTarget } from './targets/index.js';

for (const target of [pkiCertTarget, pkiTextTarget, tlsSniffTarget]) fuzzTests(target);
