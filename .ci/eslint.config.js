import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The boundaries of the house, as import rules (__tests__/lint-boundaries.test.ts proves each fires).
// A file matched by several blocks below gets the last block's list, so each block lists all its rules.
const ACTIONS_ONLY_IN_ENTRIES = {
  group: ['@actions/*'],
  message: 'Only src/action and src/github may import @actions/*: the core takes small interfaces.',
};
const CHECKS_NOT_GATE = {
  regex: '^(\\.\\./)+gate(/|$)',
  message: 'src/checks takes the narrow context it is given; it never imports src/gate.',
};
const SIMULATOR_NOT_API = {
  regex: '^(\\.\\./)+api(/|$)',
  message: 'The Ollama simulator stands alone: src/ollama-sim never imports src/api.',
};
const KIT_STANDS_ALONE = {
  regex: '^\\.\\./',
  message: 'src/kit holds small mechanisms any part may use: it imports nothing of the project.',
};
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      ...restrict(ACTIONS_ONLY_IN_ENTRIES),
    },
  },
  { files: ['src/checks/**'], rules: restrict(ACTIONS_ONLY_IN_ENTRIES, CHECKS_NOT_GATE) },
  { files: ['src/ollama-sim/**'], rules: restrict(ACTIONS_ONLY_IN_ENTRIES, SIMULATOR_NOT_API) },
  { files: ['src/kit/**'], rules: restrict(ACTIONS_ONLY_IN_ENTRIES, KIT_STANDS_ALONE) },
  {
    files: ['src/action/**', 'src/github/**', '__tests__/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
