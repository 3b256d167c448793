// @ts-check
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';
import { layerZones, PENDING_UPWARD_IMPORTS } from './layers.config.js';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    // Library code never touches the process: only src/cli/ may exit, print or read the environment.
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**', 'src/target/main.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'exit', message: 'Only src/cli/ may exit the process.' },
        {
          object: 'process',
          property: 'env',
          message: 'Inject the environment; only src/cli/ reads process.env.',
        },
      ],
    },
  },
  {
    // One-way layers (docs/architecture.md): a folder of src/ imports only folders below it, type-only
    // imports included. The resolver maps the `.js` of an ESM import to the `.ts` file it names;
    // no-unresolved makes sure it does, since an import the rule cannot resolve is not checked.
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.js', '.json'],
          extensionAlias: { '.js': ['.ts', '.js'] },
        }),
      ],
    },
    rules: {
      'import-x/no-unresolved': ['error', { ignore: ['^node:'] }],
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layerZones() }],
    },
  },
  // Upward imports that other branches of issue 13 remove: each allowed for its one file and target.
  ...PENDING_UPWARD_IMPORTS.map(({ file, imports }) => ({
    files: [file],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        { basePath: import.meta.dirname, zones: layerZones(file, imports) },
      ],
    },
  })),
  {
    // The dashboard runs in the browser and shares only the wire types with the server:
    // a runtime import from src/ would bundle engine code (and Node built-ins) into the page.
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    ignores: ['web/vite.config.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src/**', '!**/src/server/wire.js'],
              message: 'The dashboard imports only types, and only from src/server/wire.js.',
            },
            {
              group: ['**/src/server/wire.js'],
              allowTypeImports: true,
              message: 'Import wire types with `import type`: the dashboard never bundles server code.',
            },
            { group: ['node:*'], message: 'The dashboard runs in the browser.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'require', '__dirname'],
    },
  },
);
