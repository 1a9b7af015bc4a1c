// Where the real frp captures live: test/fixtures/frp-0.70.0/ inside the repository (data copied from real frpc/frps runs).
import { fileURLToPath } from 'node:url';

/** Absolute path of the frp 0.70.0 captures folder, with a trailing slash. */
export const FRP_FIXTURES = fileURLToPath(new URL('./fixtures/frp-0.70.0/', import.meta.url));
