// Where the real frp captures live: ../shared/fixtures/frp-0.70.0 beside the repository (as in CI).
import { fileURLToPath } from 'node:url';

/** Absolute path of the frp 0.70.0 captures folder, with a trailing slash. */
export const FRP_FIXTURES = fileURLToPath(new URL('../../shared/fixtures/frp-0.70.0/', import.meta.url));
