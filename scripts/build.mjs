// `npm run build`: compiles every TypeScript file of apps/ and libs/ (tests and libs/testing excepted) to
// CommonJS JavaScript in dist/, with the same SWC settings as development (.swcrc:
// decorator metadata, ES2022), and the `@rampart/*` path aliases rewritten to relative
// paths so plain `node` runs it: `node dist/apps/api/src/main.js`. The Prisma client is
// generated first (it is TypeScript under libs/ too). Type errors are `npm run typecheck`'s job.
// The Docker image's build stage runs exactly this.
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { generatePrismaClient, log, readJson, root } from './lib.mjs';

const require = createRequire(path.join(root, 'package.json'));
const swc = require('@swc/core');

// `--out <dir>` builds elsewhere (the build test does, to leave dist/ alone).
const outArg = process.argv.indexOf('--out');
const out = path.resolve(root, outArg > 0 ? process.argv[outArg + 1] : 'dist');
const SOURCE_DIRS = ['apps', 'libs'];
/** Tests and test-only trees stay out of the build. */
const EXCLUDED = [/\.spec\.ts$/, /\.d\.ts$/, /^apps\/[^/]+\/test\//, /^libs\/testing\//];

function sources(dir) {
  const found = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') found.push(...sources(relative));
    } else if ((entry.name.endsWith('.ts') || entry.name.endsWith('.js')) && !EXCLUDED.some((re) => re.test(relative))) {
      found.push(relative);
    }
  }
  return found;
}

const swcrc = readJson(path.join(root, '.swcrc'));
delete swcrc.$schema;
const { compilerOptions } = readJson(path.join(root, 'tsconfig.base.json'));
const options = {
  ...swcrc,
  swcrc: false,
  sourceMaps: true,
  // SWC resolves the aliases against baseUrl and writes them as paths relative to each file;
  // dist/ mirrors the source tree, so they hold there too.
  jsc: { ...swcrc.jsc, baseUrl: root, paths: compilerOptions.paths },
};

generatePrismaClient();
rmSync(out, { recursive: true, force: true });
const files = SOURCE_DIRS.flatMap(sources);
let done = 0;
// A few files at a time: the machine is shared, and SWC is fast anyway.
const queue = [...files];
await Promise.all(
  Array.from({ length: 4 }, async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const target = path.join(out, file.replace(/\.ts$/, '.js'));
      if (file.endsWith('.js')) {
        // Plain JavaScript sources (the compute pool's worker entry) are shipped as they are.
        mkdirSync(path.dirname(target), { recursive: true });
        copyFileSync(path.join(root, file), target);
        done++;
        continue;
      }
      const { code, map } = await swc.transformFile(path.join(root, file), {
        ...options,
        filename: path.join(root, file),
        // Relative, so the maps (which embed the sources) do not carry the build machine's paths.
        sourceFileName: path.relative(path.dirname(target), path.join(root, file)),
      });
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, `${code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
      if (map) writeFileSync(`${target}.map`, map);
      done++;
    }
  }),
);
log(`compiled ${done} files to ${path.relative(root, out)}/ (run: node ${path.relative(root, out)}/apps/api/src/main.js, node ${path.relative(root, out)}/apps/worker/src/main.js)`);
