// The reconnect schedule: fast first retry, doubling, capped.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { reconnectDelayMs } from '../../src/client/backoff.js';
import { RECONNECT_FIRST_DELAY_MS, RECONNECT_MAX_DELAY_MS } from '../../src/client/constants.js';

it('retries fast first, then doubles from 1 s up to the cap', () => {
  assert.equal(reconnectDelayMs(0), RECONNECT_FIRST_DELAY_MS);
  assert.deepEqual([1, 2, 3, 4].map(reconnectDelayMs), [1000, 2000, 4000, RECONNECT_MAX_DELAY_MS]);
  assert.equal(reconnectDelayMs(1000), RECONNECT_MAX_DELAY_MS);
});
