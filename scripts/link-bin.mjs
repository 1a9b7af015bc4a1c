// Links this package's own `burrow` bin into node_modules/.bin so `npx burrow` works in a checkout.
import { chmodSync, existsSync, lstatSync, mkdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'dist', 'cli', 'main.js');
const binDir = join(root, 'node_modules', '.bin');
const link = join(binDir, 'burrow');

if (!existsSync(target)) {
  console.error(`link-bin: ${target} is missing; did the build run?`);
  process.exit(1);
}
chmodSync(target, 0o755);
mkdirSync(binDir, { recursive: true });
try {
  if (lstatSync(link)) unlinkSync(link);
} catch (err) {
  if (err.code !== 'ENOENT') throw err;
}
symlinkSync(relative(binDir, target), link);
