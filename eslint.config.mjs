// One lint for the whole tree. Beyond typescript-eslint's recommended rules it holds three lines the design relies on:
// promises are awaited or handled (a floating one loses its error and its ordering), workflow code stays deterministic
// (no Node built-ins, no I/O libraries, only @temporalio/workflow, pure rules and types), and the arrows between the
// layers point one way (capability code in src/ never reaches into api/ or activities/; only the composition root
// does).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', 'coverage/**', 'dist/**', 'bench/results/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // The portal's one script runs in the customer's browser.
    files: ['api/portal/assets/**/*.js'],
    languageOptions: { globals: { document: 'readonly', window: 'readonly' } },
  },
  {
    // Tests walk untyped JSON (OpenAPI documents, HTTP answers) where a declared shape would only restate the data.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Workflow code is replayed: it may import @temporalio/workflow, other workflow modules, pure rules from src/ and
    // activity *types* (for proxyActivities), nothing that does I/O or reads the clock on its own.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Workflow code must stay deterministic: no Node built-ins.',
          })),
          patterns: [
            {
              group: ['@temporalio/*', '!@temporalio/workflow'],
              message: 'Workflows import only @temporalio/workflow.',
            },
            {
              group: ['**/activities/*', '**/activities/**'],
              allowTypeImports: true,
              message: 'Workflows import activity types only.',
            },
            {
              group: ['**/api/*', '**/api/**'],
              message: 'Workflows never import the HTTP API.',
            },
            {
              // A capability's pure code lives in src/<capability>/rules/, the shared basics in src/shared/; everything
              // else in src/ (stores, mail, Temporal clients, configuration) does I/O and may be named by type only.
              regex: '^(\\.\\./)+src/(?!shared/|[^/]+/rules/)',
              allowTypeImports: true,
              message:
                'Workflows import values only from src/shared/ and src/<capability>/rules/ (types from anywhere).',
            },
          ],
        },
      ],
    },
  },
  {
    // The arrows: src/ holds rules, stores and infrastructure; it does not know the HTTP API or the activities that
    // call it. Only the composition root (building the app and the worker) wires them together.
    files: ['src/**/*.ts'],
    ignores: ['src/composition/runtime.ts', 'src/composition/worker.ts', 'src/bin/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/api/*', '**/api/**'],
              message: 'src/ never imports the HTTP API: move the shared code into src/.',
            },
            {
              group: ['**/activities/*', '**/activities/**'],
              message: 'src/ never imports activities: move the shared code into src/.',
            },
          ],
        },
      ],
    },
  },
);
