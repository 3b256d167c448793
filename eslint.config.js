// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
