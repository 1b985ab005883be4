'use strict';
// The entry of every compute worker thread (Piscina loads it as plain JavaScript, so it
// runs the same from sources and from compiled output).
//
// workerData.module names the task module without its extension. Compiled output has
// `<module>.js` beside this file's compiled copy and loads it directly. From sources
// there is only `<module>.ts`: the API runs under `--require @swc-node/register`, which
// worker threads inherit, but a thread spawned from Jest is not transformed by Jest, so
// SWC is registered here when no `.ts` loader is present yet.
const fs = require('node:fs');
const path = require('node:path');
const { threadId, workerData } = require('node:worker_threads');

function loadTasks(modulePath) {
  if (fs.existsSync(`${modulePath}.js`)) return require(`${modulePath}.js`);
  if (!require.extensions['.ts']) {
    // @swc-node/register reads tsconfig.json (and its path aliases) from the working
    // directory unless told otherwise; point it at the workspace's.
    if (!process.env.SWC_NODE_PROJECT && !process.env.TS_NODE_PROJECT) {
      process.env.SWC_NODE_PROJECT = path.resolve(__dirname, '../../../../tsconfig.json');
    }
    require('@swc-node/register');
  }
  return require(`${modulePath}.ts`);
}

const tasks = loadTasks(workerData.module);

/**
 * On Linux a thread has a scheduling priority of its own: this one yields the CPU to the
 * process's main thread, which answers every tenant's requests, whenever both want it. A
 * dry run then takes longer on a busy machine instead of making every other request slower.
 * Elsewhere (no /proc/thread-self) the thread keeps the process's priority.
 */
function lowerOwnPriority(by) {
  try {
    const os = require('node:os');
    const tid = Number(path.basename(fs.readlinkSync('/proc/thread-self')));
    // A new thread starts with the process's niceness; 19 is the lowest priority there is.
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, Math.min(19, os.getPriority(tid) + by));
  } catch {
    // Not Linux, or not permitted: the same priority as the main thread.
  }
}
lowerOwnPriority(10);

/**
 * One task: `{ name, input, started }`. `started` (a MessagePort) is told the moment the
 * task begins, so the caller's time budget counts running time, not time in the queue.
 */
module.exports = function runComputeTask({ name, input, started }) {
  started.postMessage(null);
  started.close();
  const task = Object.prototype.hasOwnProperty.call(tasks, name) ? tasks[name] : undefined;
  if (typeof task !== 'function') throw new Error(`unknown compute task ${String(name)}`);
  return { value: task(input), threadId };
};
