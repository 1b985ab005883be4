// Flat config. Module boundaries come from Nx project tags (project.json):
//   type:app may use anything; type:data-access may use data-access and util;
//   type:util (pure domain code: rules, bundle) may use only util, and no framework;
//   type:testing is for tests only.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/generated/**', 'tmp/**', '.nx/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:data-access', 'type:feature', 'type:util', 'type:testing'] },
            { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:util', 'type:testing'] },
            { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:testing'] },
            {
              sourceTag: 'type:util',
              onlyDependOnLibsWithTags: ['type:util', 'type:testing'],
              bannedExternalImports: ['@nestjs/*', '@prisma/*', 'bullmq', 'ioredis', 'fastify', 'mercurius'],
            },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:data-access', 'type:feature', 'type:util', 'type:app'] },
          ],
        },
      ],
    },
  },
  {
    // The testing library (factories, per-file databases) is for tests only.
    files: ['**/*.ts'],
    ignores: ['**/*.spec.ts', '**/test/**/*.ts', 'libs/testing/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: '@rampart/testing', message: 'test-only library' }] }] },
  },
  {
    // Compute tasks run on worker threads: pure functions over rules and bundle, nothing a thread would have to boot.
    files: ['libs/*/src/compute/*-tasks.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@nestjs/*', '@prisma/*', '@rampart/platform', '@rampart/testing', 'bullmq', 'ioredis', 'fastify', 'mercurius'], message: 'compute tasks stay pure (they run on worker threads)' }] },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts', 'bench/**/*.ts', 'libs/testing/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
];
