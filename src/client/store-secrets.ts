// Puts back, on a PUT to /api/store, the secrets the admin API's answers leave out or mask (GET then PUT keeps them).
import { isSecretKey, REDACTED } from '../observe/index.js';
import { isJsonObject, type JsonObject } from './store-format.js';

/**
 * A copy of `input` (a PUT body's type block) with the stored entry's secrets restored where the
 * body carries what GET answered: a secret-named key left out keeps its stored value (send "" to
 * clear it), and a REDACTED string (a masked header or meta value) keeps the stored string.
 */
export function restoreSecrets(input: JsonObject, stored: JsonObject): JsonObject {
  const out: JsonObject = { ...input };
  for (const [key, old] of Object.entries(stored)) {
    const given = out[key];
    if (given === undefined) {
      if (isSecretKey(key)) out[key] = old;
    } else if (given === REDACTED && typeof old === 'string') {
      out[key] = old;
    } else if (isJsonObject(given) && isJsonObject(old)) {
      out[key] = restoreSecrets(given, old);
    }
  }
  return out;
}
