// `npm test`: the same preparation as `npm start`, then Jest over unit, integration
// and end-to-end tests on the real PostgreSQL and Redis. Extra arguments go to Jest
// (`npm test -- apps/api/test/health.e2e.spec.ts`). Ends with `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { prepare, readJson, root } from './lib.mjs';

try {
  await prepare();
} catch (error) {
  process.stderr.write(`[rampart] ${error.message}\n`);
  process.exit(1);
}

const require = createRequire(path.join(root, 'package.json'));
const results = path.join(root, 'tmp', 'jest-results.json');
mkdirSync(path.dirname(results), { recursive: true });
rmSync(results, { force: true });

const jest = spawnSync(
  process.execPath,
  [require.resolve('jest/bin/jest'), '--json', `--outputFile=${results}`, ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      // Mercurius loads an ES-module dependency with import(); Jest needs this flag to allow it.
      NODE_OPTIONS: [process.env.NODE_OPTIONS, '--experimental-vm-modules', '--no-warnings=ExperimentalWarning']
        .filter(Boolean)
        .join(' '),
    },
  },
);

if (!existsSync(results)) {
  process.stdout.write('0 passed, 1 failed\n');
  process.exit(jest.status || 1);
}
const summary = readJson(results);
const failed = summary.numFailedTests + summary.numRuntimeErrorTestSuites;
const skipped = summary.numPendingTests + summary.numTodoTests;
process.stdout.write(`\n${summary.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(jest.status !== 0 || failed > 0 || summary.numPassedTests === 0 ? 1 : 0);
