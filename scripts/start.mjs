// `npm start`: prepare everything a fresh clone needs, then run the API and the
// worker together against local PostgreSQL and Redis. Ctrl-C / SIGTERM stops both
// gracefully (in-flight requests and jobs finish first).
import { spawn } from 'node:child_process';
import { log, prepare, root } from './lib.mjs';

try {
  await prepare();
} catch (error) {
  process.stderr.write(`[rampart] ${error.message}\n`);
  process.exit(1);
}

const processes = [
  ['api', 'apps/api/src/main.ts'],
  ['worker', 'apps/worker/src/main.ts'],
].map(([name, entry]) => {
  const child = spawn(process.execPath, ['--require', '@swc-node/register', entry], {
    cwd: root,
    stdio: 'inherit',
    env: { NODE_ENV: 'development', ...process.env },
  });
  return { name, child };
});

let stopping = false;
function stopAll(signal) {
  if (stopping) return;
  stopping = true;
  for (const { child } of processes) if (child.exitCode === null) child.kill(signal);
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopAll(signal));

let exitCode = 0;
await Promise.all(
  processes.map(
    ({ name, child }) =>
      new Promise((resolve) =>
        child.on('exit', (code, signal) => {
          if (!stopping) {
            log(`${name} exited (${code ?? signal}); stopping the rest`);
            exitCode = code || 1;
            stopAll('SIGTERM');
          }
          resolve();
        }),
      ),
  ),
);
process.exit(exitCode);
