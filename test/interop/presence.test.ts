// Interop: the real frp binaries are present; skipped with one line outside CI when absent, a failure in CI (CI=true).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { FRP_DIR, FRP_SKIP, frpPresent } from './harness.js';

it('the real frp 0.70.0 frps and frpc are present', { skip: FRP_SKIP }, () => {
  assert.ok(frpPresent(), `frps/frpc not found (or not executable) in ${FRP_DIR}; CI must have ../shared/frp-0.70.0`);
});
