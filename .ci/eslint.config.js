import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // The core of the gate stays free of the Actions toolkit; only its entries may import it.
      'no-restricted-imports': ['error', { patterns: [{ group: ['@actions/*'], message: 'Only src/action and src/github may import @actions/*.' }] }],
    },
  },
  {
    files: ['src/action/**', 'src/github/**', '__tests__/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
