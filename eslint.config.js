import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', 'data', 'dist', 'coverage', '.tmp'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': 'error',
    },
  },
  {
    files: ['src/cli/**', 'src/sandbox/cli.ts', 'bench/**', 'src/main.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['src/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@slack/*', '@microsoft/*'], message: 'core imports no bot SDK' },
            { group: ['pg', 'lowdb', 'lowdb/*'], message: 'core imports no store driver' },
            { group: ['../bots/*', '../store/*'], message: 'arrows point inward' },
          ],
        },
      ],
    },
  },
);
