// Build step after tsc: copies the dashboard's browser scripts (plain .js, not compiled) next to their module in dist/.
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Folders of non-TypeScript files the built code reads at run time, relative to src/ and dist/. */
const ASSET_DIRS = ['admin/dashboard/assets'];

const root = new URL('../', import.meta.url);
for (const dir of ASSET_DIRS) {
  cpSync(fileURLToPath(new URL(`src/${dir}`, root)), fileURLToPath(new URL(`dist/${dir}`, root)), { recursive: true });
}
