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
);
