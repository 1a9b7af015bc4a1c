// Lint rules: typescript-eslint's recommended set plus typed promise/switch rules over src/, test/, bench/ and scripts/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** What the dashboard's scripts use from the browser. */
const BROWSER_GLOBALS = Object.fromEntries(
  ['window', 'document', 'fetch', 'Node', 'URL', 'console', 'setInterval', 'clearInterval', 'setTimeout'].map(
    (name) => [name, 'readonly'],
  ),
);

/** Rules that need type information: promises that are dropped or passed where a void is expected, non-exhaustive switches. */
const TYPED_RULES = ['no-floating-promises', 'no-misused-promises', 'switch-exhaustiveness-check', 'await-thenable'];

/** node:test's test() and describe() return promises the runner itself awaits: not floating. */
const NODE_TEST_CALLS = { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] };

function typedRules(level) {
  return {
    ...Object.fromEntries(TYPED_RULES.map((rule) => [`@typescript-eslint/${rule}`, level])),
    '@typescript-eslint/no-floating-promises': [level, { allowForKnownSafeCalls: [NODE_TEST_CALLS] }],
    '@typescript-eslint/switch-exhaustiveness-check': [level, { considerDefaultExhaustiveForUnions: true }],
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      ...typedRules('error'),
    },
  },
  // Plain JavaScript (this file, scripts/*.mjs, the dashboard's browser scripts) is outside the TypeScript project.
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  {
    // The dashboard's browser scripts: classic scripts (not modules) run in the page, with the DOM's globals.
    files: ['src/admin/dashboard/assets/*.js'],
    languageOptions: { sourceType: 'script', globals: BROWSER_GLOBALS },
  },
);
