// Flat config: recommended JS + typescript-eslint rules, nothing stylistic (tsc and review own style).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-output/**', 'src/web/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
      eqeqeq: ['error', 'smart']
    }
  },
  {
    files: ['bench/**', 'test/**', '**/*.test.ts', 'simulators/**/cli.ts', 'demo/**', 'src/main.ts'],
    rules: { 'no-console': 'off' }
  },
  {
    files: ['src/web/**/*.js'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', fetch: 'readonly', sessionStorage: 'readonly', EventSource: 'readonly', URLSearchParams: 'readonly', location: 'readonly', history: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', AbortController: 'readonly', TextDecoder: 'readonly' } }
  }
)
