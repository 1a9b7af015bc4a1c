// Short CI fuzz pass over the vhost HTTP Host and TLS SNI parsers: corpus, seeds, mutations, generated inputs.
import { fuzzTests } from './lib/property.js';
import { vhostHttpTarget, vhostSniTarget } from './targets/index.js';

for (const target of [vhostHttpTarget, vhostSniTarget]) fuzzTests(target);
