// Typed lint for the one class of bug the compiler misses: a promise nobody awaits or handles
// (a rejected fire-and-forget write becomes an unhandled rejection, which ends the process).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['proto/gen/**', 'node_modules/**'] },
  {
    files: ['proto/**/*.ts', 'common/**/*.ts', 'services/**/*.ts', 'clients/**/*.ts', 'test/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
);
