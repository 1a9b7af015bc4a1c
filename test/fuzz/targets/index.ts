// Every fuzz target, in the order the runner and the tests take them.
import type { FuzzTarget } from '../lib/target.js';
import { aeadStreamTarget } from './aead-stream.js';
import { cipherTarget } from './cipher.js';
import { configTarget } from './config.js';
import { legacyIniTarget } from './legacy-ini.js';
import { muxParserTarget } from './mux-parser.js';
import { muxSessionTarget } from './mux-session.js';
import { pkiCertTarget, pkiTextTarget } from './pki.js';
import { snappyTarget } from './snappy.js';
import { tlsSniffTarget } from './tls-sniff.js';
import { vhostSniTarget } from './vhost.js';
import { wireCodecTarget } from './wire-codec.js';
import { wireV2Target } from './wire-v2.js';

/** All targets by name. */
export const TARGETS: readonly FuzzTarget[] = [
  wireCodecTarget,
  wireV2Target,
  cipherTarget,
  aeadStreamTarget,
  muxParserTarget,
  muxSessionTarget,
  snappyTarget,
  configTarget,
  legacyIniTarget,
  pkiCertTarget,
  pkiTextTarget,
  tlsSniffTarget,
  vhostSniTarget,
];

/** The target called `name`, or undefined. */
export function targetByName(name: string): FuzzTarget | undefined {
  return TARGETS.find((t) => t.name === name);
}

export {
  aeadStreamTarget,
  cipherTarget,
  configTarget,
  legacyIniTarget,
  muxParserTarget,
  muxSessionTarget,
  pkiCertTarget,
  pkiTextTarget,
  snappyTarget,
  tlsSniffTarget,
  vhostSniTarget,
  wireCodecTarget,
  wireV2Target,
};
