// npm run bench -- <name>: runs bench/<name>.bench.ts in its own Node process (so one
// benchmark's JIT and heap state never colours another's) and passes its JSON through.
// With no name, lists the benchmarks.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SUFFIX = '.bench.ts';
const available = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith(SUFFIX))
  .map((f) => f.slice(0, -SUFFIX.length))
  .sort();

const [name, ...rest] = process.argv.slice(2);
if (!name) {
  console.log(`usage: npm run bench -- <name>\navailable: ${available.join(', ')}`);
  process.exit(0);
}
if (!available.includes(name)) {
  console.error(`unknown benchmark '${name}'; available: ${available.join(', ')}`);
  process.exit(2);
}
const result = spawnSync(process.execPath, ['--require', '@swc-node/register', join('bench', `${name}${SUFFIX}`), ...rest], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
