// The dashboard's browser scripts: plain .js files next to this module (copied into dist by the build), read once.
import { readFileSync } from 'node:fs';
import type { DashboardRole } from './page.js';

/** The folder of the scripts, relative to this module both in src/ (tsx) and in dist/. */
const ASSETS_DIR = new URL('./assets/', import.meta.url);

/** The shared helpers every page script starts with (they define `B`). */
const SHARED_SCRIPT = 'shared.js';

const cache = new Map<string, string>();

function asset(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(name, ASSETS_DIR), 'utf8');
    cache.set(name, text);
  }
  return text;
}

/** The full script of one role's page: the shared helpers, then the page's own script. */
export function dashboardScript(role: DashboardRole): string {
  return `${asset(SHARED_SCRIPT)}\n${asset(`${role}.js`)}`;
}
