import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { threadId as mainThreadId } from 'node:worker_threads';
import { ComputeOverloadedError, ComputePool, ComputePoolClosedError, ComputeTimeoutError } from './compute-pool';

const FIXTURE = path.join(__dirname, 'compute-tasks.fixture');

function release(cell: SharedArrayBuffer): void {
  const view = new Int32Array(cell);
  Atomics.store(view, 0, 1);
  Atomics.notify(view, 0);
}

describe('ComputePool (real worker threads)', () => {
  let pool: ComputePool;
  afterEach(() => pool?.destroy());

  it('runs a task on a worker thread, not the caller’s', async () => {
    pool = new ComputePool({ module: FIXTURE, threads: 1, queueSize: 4, timeoutMs: 30_000 });
    const result = await pool.runWithThread('echo', { a: [1, 'two'] });
    expect(result.value).toEqual({ a: [1, 'two'] });
    expect(mainThreadId).toBe(0);
    expect(result.threadId).toBeGreaterThan(0);
  });

  it('runs tasks at a lower scheduling priority than the main thread (Linux), so they yield the CPU to requests', async () => {
    pool = new ComputePool({ module: FIXTURE, threads: 1, queueSize: 4, timeoutMs: 30_000 });
    const seen = await pool.run<{ thread: number; main: number } | null>('priorities', null);
    if (process.platform !== 'linux') return expect(seen).toBeNull();
    // Niceness 10 more than the main thread's (capped at 19), as the worker entry sets it.
    expect(seen).toEqual({ main: os.getPriority(process.pid), thread: Math.min(19, os.getPriority(process.pid) + 10) });
  });

  it('keeps the event loop free while a task holds its thread', async () => {
    pool = new ComputePool({ module: FIXTURE, threads: 1, queueSize: 4, timeoutMs: 30_000 });
    const cell = new SharedArrayBuffer(4);
    const order: string[] = [];
    const held = pool.run<string>('hold', cell).then((v) => order.push(`task ${v}`));
    // A timer on this thread fires while the task is still holding its own.
    await new Promise((resolve) => setTimeout(resolve, 20));
    order.push('timer');
    release(cell);
    await held;
    expect(order).toEqual(['timer', 'task released']);
  });

  it('stops a runaway task at its time budget and replaces its thread', async () => {
    pool = new ComputePool({ module: FIXTURE, threads: 1, queueSize: 4, timeoutMs: 30_000 });
    const error = await pool.run('forever', null, 50).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComputeTimeoutError);
    expect((error as Error).message).toBe('forever exceeded its time budget of 50 ms');
    expect(await pool.run('echo', 'still serving')).toBe('still serving');
  });

  it('refuses a task at once when every thread is busy and the queue is full', async () => {
    pool = new ComputePool({ module: FIXTURE, threads: 1, queueSize: 1, timeoutMs: 30_000 });
    const cell = new SharedArrayBuffer(4);
    const running = pool.run('hold', cell);
    const queued = pool.run('echo', 'queued');
    expect(pool.pending).toBe(2);
    const refused = await pool.run('echo', 'refused').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ComputeOverloadedError);
    expect((refused as Error).message).toMatch(/1 tasks are already waiting/);
    release(cell);
    expect(await running).toBe('released');
    expect(await queued).toBe('queued');
    expect(pool.pending).toBe(0);
  });

  it('reports a task’s own error', async () => {
    pool = new ComputePool({ module: FIXTURE, threads: 1, queueSize: 1, timeoutMs: 30_000 });
    await expect(pool.run('fail', 'boom')).rejects.toThrow('boom');
    await expect(pool.run('no-such-task', null)).rejects.toThrow(/unknown compute task no-such-task/);
  });

  it('after destroy, fails what is queued and refuses new work', async () => {
    pool = new ComputePool({ module: FIXTURE, threads: 1, queueSize: 2, timeoutMs: 30_000 });
    const cell = new SharedArrayBuffer(4);
    const running = pool.run('hold', cell).catch((e: unknown) => e);
    const queued = pool.run('echo', 'never').catch((e: unknown) => e);
    await pool.destroy();
    expect(await queued).toBeInstanceOf(ComputePoolClosedError);
    expect(await running).toBeInstanceOf(ComputePoolClosedError);
    await expect(pool.run('echo', 'late')).rejects.toBeInstanceOf(ComputePoolClosedError);
  });

  it('loads compiled JavaScript as it is, without registering a TypeScript loader', async () => {
    // What a build to JavaScript leaves: `<module>.js` and no `.ts` beside it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compute-pool-'));
    const module = path.join(dir, 'compiled-tasks');
    fs.writeFileSync(`${module}.js`, "exports.loaders = () => Object.keys(require.extensions);\n");
    pool = new ComputePool({ module, threads: 1, queueSize: 1, timeoutMs: 30_000 });
    try {
      expect(await pool.run('loaders', null)).toEqual(['.js', '.json', '.node']);
    } finally {
      await pool.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
