// Lint: typescript-eslint's strict type-aware rules where they catch real bugs
// (floating promises, unsafe any), and the two bans the conventions insist on:
// no `any`, no `@ts-ignore` / `@ts-nocheck`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', 'examples/**/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-ignore': true, 'ts-nocheck': true, 'ts-expect-error': 'allow-with-description' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always'],
      // Async-by-contract functions stay `async` without an await so that a
      // validation throw becomes a rejection, never a synchronous throw.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Examples and the consumer fixtures import the built package; they are
    // type-checked after the build (`npm run typecheck:examples`,
    // test/package), so lint them without type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs', '**/*.cts', 'examples/**/*.ts', 'test/package/fixtures/**/*.ts'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { projectService: false, project: null },
      // Plain scripts run under Node.
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
  },
  {
    // CommonJS consumers of the package, on purpose: they require() it.
    files: ['test/package/fixtures/**/*.cjs', 'test/package/fixtures/**/*.cts'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
