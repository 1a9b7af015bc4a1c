// Short CI fuzz pass over the vhost TLS SNI parser: corpus, seeds, mutations, generated inputs.
import { fuzzTests } from './lib/property.js';
import { vhostSniTarget } from './targets/index.js';

fuzzTests(vhostSniTarget);
