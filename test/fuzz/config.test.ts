// Short CI fuzz pass over the config loader: corpus, seeds, mutations, generated inputs.
import { fuzzTests } from './lib/property.js';
import { configTarget, legacyIniTarget } from './targets/index.js';

for (const target of [configTarget, legacyIniTarget]) fuzzTests(target);
