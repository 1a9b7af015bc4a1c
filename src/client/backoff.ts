// The reconnect schedule: one fast retry, then doubling delays up to a cap.
import { RECONNECT_BASE_DELAY_MS, RECONNECT_FIRST_DELAY_MS, RECONNECT_MAX_DELAY_MS } from './constants.js';

/** Delay before reconnect attempt number `attempt` (0-based). */
export function reconnectDelayMs(attempt: number): number {
  if (attempt <= 0) return RECONNECT_FIRST_DELAY_MS;
  return Math.min(RECONNECT_MAX_DELAY_MS, RECONNECT_BASE_DELAY_MS * 2 ** Math.min(attempt - 1, 16));
}
