// Short CI fuzz pass over the yamux frame parser and session: corpus, seeds, mutations, generated inputs.
import { fuzzTests } from './lib/property.js';
import { muxParserTarget, muxSessionTarget } from './targets/index.js';

for (const target of [muxParserTarget, muxSessionTarget]) fuzzTests(target);
